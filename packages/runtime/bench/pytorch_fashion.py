#!/usr/bin/env python3
"""PyTorch reference timings for the Fashion-MNIST recipes of examples/fashion-mlp.lrs and
examples/fashion-cnn.lrs, on one CPU thread.

Recipe (both models): AdamW lr 1e-3 with a 200-step linear warmup from 0, then a cosine to 0 over
the rest of the 5-epoch budget (2,345 updates at batch 128), weight decay 1e-4, batch 128,
cross-entropy, pixels / 255. Models:
  mlp: 784-256-256-10, ReLU
  cnn: conv 3x3x32 (same), ReLU, max-pool 2, conv 3x3x64 (same), ReLU, max-pool 2, dense 128, ReLU, 10

Each step: draw the next 128 indices of a per-epoch permutation, gather the batch (tensor
indexing), forward, loss, zero_grad, backward, optimizer step, scheduler step, and loss.item()
(read back every step, as the lrs trainer does on wasm/cpu). No evaluation, no full training: the
first `--warmup` steps are discarded, the next `--steps` timed one by one.

Usage: /usr/bin/python3 pytorch_fashion.py [--models mlp,cnn] [--steps-mlp 300] [--steps-cnn 40]
       [--warmup 10] [--data /usr/share/datasets/fashion-mnist] [--json]
Prints one line per model, or with --json one JSON object {"torch":..., "threads":1, "results":[...]}.
"""
import argparse
import gzip
import json
import math
import os
import re
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128
EPOCHS = 5
WARMUP_STEPS = 200
PEAK_LR = 1e-3
WEIGHT_DECAY = 1e-4


def read_idx(path):
    """An IDX file (gzipped or not) as a numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir}")


def load_train(data_dir):
    x = read_idx(find(data_dir, "train-images-idx3-ubyte")).astype(np.float32) / 255.0
    y = read_idx(find(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy()), torch.from_numpy(y.copy())


def make_model(kind):
    if kind == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    if kind == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        )
    raise ValueError(kind)


def lr_factor(total):
    """warmup(200 steps, cosine(1e-3 -> 0)) as a LambdaLR factor of the peak."""
    def f(t):
        if t < WARMUP_STEPS:
            return t / WARMUP_STEPS
        p = min(t - WARMUP_STEPS, total - WARMUP_STEPS) / (total - WARMUP_STEPS)
        return 0.5 * (1 + math.cos(math.pi * p))
    return f


def bench(kind, x, y, warmup, steps, seed=1):
    torch.manual_seed(seed)
    n = x.shape[0]
    total = EPOCHS * math.ceil(n / BATCH)
    model = make_model(kind)
    opt = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(total))
    perm = torch.randperm(n)
    cursor = 0
    times = []
    loss_value = float("nan")
    model.train()
    for t in range(warmup + steps):
        start = time.perf_counter()
        if cursor + BATCH > n:
            perm = torch.randperm(n)
            cursor = 0
        idx = perm[cursor : cursor + BATCH]
        cursor += BATCH
        xb = x[idx]
        yb = y[idx]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        loss_value = loss.item()
        elapsed = time.perf_counter() - start
        if t >= warmup:
            times.append(elapsed * 1000)
    return {
        "model": kind,
        "steps": steps,
        "warmup": warmup,
        "msPerStepMean": sum(times) / len(times),
        "msPerStepMedian": statistics.median(times),
        "msPerStepMin": min(times),
        "loss": loss_value,
    }


def blas_info():
    """BLAS_INFO from the build config (Debian's torch says `generic`: reference BLAS, slow matmuls)."""
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--steps-mlp", type=int, default=300)
    ap.add_argument("--steps-cnn", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--data", default=os.environ.get("LRS_DATA_DIR_FASHION", "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    x, y = load_train(args.data)
    results = []
    for kind in [m for m in args.models.split(",") if m]:
        steps = args.steps_mlp if kind == "mlp" else args.steps_cnn
        r = bench(kind, x, y, args.warmup, steps)
        results.append(r)
        if not args.json:
            print(
                f"pytorch {torch.__version__} 1 thread, {kind} batch {BATCH}: mean {r['msPerStepMean']:.2f} ms/step, "
                f"median {r['msPerStepMedian']:.2f}, min {r['msPerStepMin']:.2f} ({steps} steps after {args.warmup}), loss {r['loss']:.4f}"
            )
    if args.json:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info(), "results": results}))


if __name__ == "__main__":
    sys.exit(main())
