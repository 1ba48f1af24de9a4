#!/usr/bin/env python3
"""Generates packages/runtime/test/rl/fixtures/rl-fixtures.json: reference numbers for the RL math
in packages/runtime/src/rl (GAE, PPO, REINFORCE, GRPO, KL estimators), computed with PyTorch by
re-implementing the reference code line by line (the libraries themselves are not installed here):

- GAE: CleanRL `ppo.py` (dones[t] = the done flag *before* step t, `next_done = terminations |
  truncations`) and SB3 (`OnPolicyAlgorithm.collect_rollouts`: `rewards += gamma * V(terminal_obs)`
  on time-limit truncation; `RolloutBuffer.compute_returns_and_advantage`);
- PPO minibatch loss: CleanRL `ppo.py` (clip_vloss on/off) and SB3 `PPO.train` (clip_range_vf
  None / set), with per-minibatch advantage normalisation, `approx_kl`, `old_approx_kl`, clipfrac;
- REINFORCE: pytorch/examples `reinforce.py` (`R = r + gamma * R`, whitened with
  `np.finfo(np.float32).eps`, loss `sum(-log_prob * R)`) and `actor_critic.py`'s smooth-L1 value loss;
- GRPO: TRL `GRPOTrainer` (`_generate_and_score_completions` advantages with scale_rewards
  group / batch / none; `_compute_loss` per-token clipped loss + beta * k3 and loss_type grpo /
  bnpo / dr_grpo);
- KL estimators k1, k2, k3 (Schulman's note, as CleanRL logs them).

Inputs are rounded to float32 (what the TensorFlow.js side computes in) and the references are
computed in float64. Run from the repository root (Debian: apt-get install python3-torch):

    /usr/bin/python3 scripts/gen_rl_fixtures.py
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Categorical

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "packages/runtime/test/rl/fixtures/rl-fixtures.json"
torch.set_default_dtype(torch.float64)
rng = np.random.RandomState(20260)


def f32(a):
    """Values exactly representable in float32, kept as float64."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def flat(t):
    return [float(v) for v in np.asarray(t, dtype=np.float64).reshape(-1)]


# --- GAE -----------------------------------------------------------------------------------------

def gae_cleanrl(rewards, values, terminated, truncated, last_values, gamma, lam):
    """CleanRL ppo.py: storage `dones[step] = next_done` before each step; truncation = done."""
    T, N = rewards.shape
    dones = np.zeros((T, N))
    next_done = np.zeros(N)
    for step in range(T):
        dones[step] = next_done
        next_done = np.logical_or(terminated[step], truncated[step]).astype(np.float64)
    advantages = np.zeros((T, N))
    lastgaelam = 0
    for t in reversed(range(T)):
        if t == T - 1:
            nextnonterminal = 1.0 - next_done
            nextvalues = last_values
        else:
            nextnonterminal = 1.0 - dones[t + 1]
            nextvalues = values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * lam * nextnonterminal * lastgaelam
    return advantages, advantages + values


def gae_sb3(rewards, values, terminated, truncated, final_values, last_values, gamma, lam):
    """SB3: the truncation fix in collect_rollouts, then RolloutBuffer.compute_returns_and_advantage."""
    T, N = rewards.shape
    rewards = rewards.copy()
    episode_starts = np.zeros((T, N))
    last_episode_starts = np.ones(N)
    for step in range(T):
        dones = np.logical_or(terminated[step], truncated[step])
        for idx in range(N):
            # SB3's VecEnv sets infos["TimeLimit.truncated"] = truncated and not terminated.
            if dones[idx] and truncated[step, idx] and not terminated[step, idx]:
                rewards[step, idx] += gamma * final_values[step, idx]
        episode_starts[step] = last_episode_starts
        last_episode_starts = dones.astype(np.float64)
    advantages = np.zeros((T, N))
    last_gae_lam = 0
    for step in reversed(range(T)):
        if step == T - 1:
            next_non_terminal = 1.0 - last_episode_starts
            next_values = last_values
        else:
            next_non_terminal = 1.0 - episode_starts[step + 1]
            next_values = values[step + 1]
        delta = rewards[step] + gamma * next_values * next_non_terminal - values[step]
        last_gae_lam = delta + gamma * lam * next_non_terminal * last_gae_lam
        advantages[step] = last_gae_lam
    return advantages, advantages + values


def gae_cases():
    T, N = 9, 3
    terminated = np.zeros((T, N))
    truncated = np.zeros((T, N))
    terminated[2, 0] = 1
    terminated[6, 0] = 1
    truncated[4, 1] = 1
    truncated[8, 1] = 1  # truncated on the last step: its final value, not V(s_T), is the tail
    terminated[5, 2] = 1
    truncated[5, 2] = 1  # both flags (TimeLimit on a terminal step): termination wins
    truncated[8, 2] = 0
    cases = []
    for gamma, lam in [(0.99, 0.95), (0.9, 1.0), (0.98, 0.0)]:
        rewards = f32(rng.randn(T, N))
        values = f32(rng.randn(T, N))
        final_values = f32(rng.randn(T, N))
        last_values = f32(rng.randn(N))
        a_c, r_c = gae_cleanrl(rewards, values, terminated, truncated, last_values, gamma, lam)
        a_s, r_s = gae_sb3(rewards, values, terminated, truncated, final_values, last_values, gamma, lam)
        cases.append({
            "gamma": gamma, "lambda": lam, "numEnvs": N,
            "rewards": flat(rewards), "values": flat(values), "finalValues": flat(final_values),
            "lastValues": flat(last_values), "terminated": flat(terminated), "truncated": flat(truncated),
            "cleanrl": {"advantages": flat(a_c), "returns": flat(r_c)},
            "sb3": {"advantages": flat(a_s), "returns": flat(r_s)},
        })
    return cases


# --- PPO -----------------------------------------------------------------------------------------

def ppo_case(style, clip_v, ent_coef, seed):
    r = np.random.RandomState(seed)
    B, A = 16, 3
    clip = 0.2
    vf_coef = 0.5
    logits_np = f32(r.randn(B, A))
    actions = r.randint(0, A, size=B)
    logits = torch.tensor(logits_np, requires_grad=True)
    dist = Categorical(logits=logits)
    newlogprob = dist.log_prob(torch.tensor(actions))
    # Old log-probs off by up to ±0.5 so that some ratios leave [0.8, 1.2].
    b_logprobs = torch.tensor(f32(newlogprob.detach().numpy() + r.uniform(-0.5, 0.5, size=B)))
    newvalue = torch.tensor(f32(r.randn(B)), requires_grad=True)
    b_values = torch.tensor(f32(newvalue.detach().numpy() + r.uniform(-0.4, 0.4, size=B)))
    b_returns = torch.tensor(f32(r.randn(B)))
    b_advantages = torch.tensor(f32(r.randn(B) * 2 + 0.3))
    entropy = dist.entropy()

    logratio = newlogprob - b_logprobs
    ratio = logratio.exp()
    with torch.no_grad():
        old_approx_kl = (-logratio).mean()
        approx_kl = ((ratio - 1) - logratio).mean()
        clipfrac = ((ratio - 1.0).abs() > clip).float().mean()
    mb_advantages = (b_advantages - b_advantages.mean()) / (b_advantages.std() + 1e-8)

    if style == "cleanrl":
        pg_loss1 = -mb_advantages * ratio
        pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip, 1 + clip)
        pg_loss = torch.max(pg_loss1, pg_loss2).mean()
        if clip_v is not None:
            v_loss_unclipped = (newvalue - b_returns) ** 2
            v_clipped = b_values + torch.clamp(newvalue - b_values, -clip_v, clip_v)
            v_loss_clipped = (v_clipped - b_returns) ** 2
            v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
        else:
            v_loss = 0.5 * ((newvalue - b_returns) ** 2).mean()
        entropy_loss = entropy.mean()
        loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef
    else:
        policy_loss_1 = mb_advantages * ratio
        policy_loss_2 = mb_advantages * torch.clamp(ratio, 1 - clip, 1 + clip)
        pg_loss = -torch.min(policy_loss_1, policy_loss_2).mean()
        if clip_v is None:
            values_pred = newvalue
        else:
            values_pred = b_values + torch.clamp(newvalue - b_values, -clip_v, clip_v)
        v_loss = F.mse_loss(b_returns, values_pred)
        entropy_loss = entropy.mean()  # SB3 adds ent_coef * (-entropy.mean())
        loss = pg_loss + ent_coef * -entropy_loss + vf_coef * v_loss
    loss.backward()
    return {
        "name": f"{style}, value clip {clip_v}, ent_coef {ent_coef}",
        "style": style, "clip": clip, "valueClip": clip_v, "entropyCoef": ent_coef, "valueCoef": vf_coef,
        "logits": flat(logits_np), "actions": [int(a) for a in actions], "actionsCount": A,
        "oldLogProb": flat(b_logprobs), "value": flat(newvalue.detach()), "oldValue": flat(b_values),
        "returns": flat(b_returns), "advantages": flat(b_advantages),
        "newLogProb": flat(newlogprob.detach()),
        "policyLoss": pg_loss.item(), "valueLoss": v_loss.item(), "entropy": entropy_loss.item(), "total": loss.item(),
        "approxKl": approx_kl.item(), "oldApproxKl": old_approx_kl.item(), "clipFraction": clipfrac.item(),
        "gradLogits": flat(logits.grad), "gradValue": flat(newvalue.grad),
    }


# --- REINFORCE -----------------------------------------------------------------------------------

def reinforce_case():
    T, A = 12, 2
    gamma = 0.99
    rewards = f32(rng.uniform(0, 2, size=T))
    R = 0
    returns = []
    for r in rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    eps = np.finfo(np.float32).eps.item()
    whitened = (returns - returns.mean()) / (returns.std() + eps)
    logits_np = f32(rng.randn(T, A))
    actions = rng.randint(0, A, size=T)
    logits = torch.tensor(logits_np, requires_grad=True)
    log_probs = Categorical(logits=logits).log_prob(torch.tensor(actions))
    policy_loss = torch.stack([-lp * R for lp, R in zip(log_probs, whitened)]).sum()
    policy_loss.backward()
    values = torch.tensor(f32(rng.randn(T)), requires_grad=True)
    # Targets within and beyond 1 of the values, so both branches of smooth-L1 are exercised.
    targets = torch.tensor(f32(values.detach().numpy() + rng.uniform(-2, 2, size=T)))
    value_loss = torch.stack([F.smooth_l1_loss(v, R) for v, R in zip(values, targets)]).sum()
    value_loss.backward()
    return {
        "gamma": gamma, "rewards": flat(rewards), "returns": flat(returns), "whitened": flat(whitened),
        "logits": flat(logits_np), "actions": [int(a) for a in actions], "actionsCount": A,
        "loss": policy_loss.item(), "gradLogits": flat(logits.grad),
        "values": flat(values.detach()), "valueTargets": flat(targets),
        "smoothL1Sum": value_loss.item(), "gradValues": flat(values.grad),
    }


# --- GRPO ----------------------------------------------------------------------------------------

def trl_advantages(rewards, G, scale_rewards, eps=1e-4):
    rewards = torch.tensor(rewards)
    mean_grouped_rewards = rewards.view(-1, G).mean(dim=1).repeat_interleave(G, dim=0)
    if scale_rewards in ["group", "none"]:
        std_rewards = rewards.view(-1, G).std(dim=1).repeat_interleave(G, dim=0)
    else:
        std_rewards = rewards.std().expand_as(rewards)
    advantages = rewards - mean_grouped_rewards
    if scale_rewards != "none":
        advantages = advantages / (std_rewards + eps)
    return flat(advantages)


def advantage_cases():
    binary = [1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0]  # groups of 4: p = 1/2, 1, 1/4, 0
    graded = flat(f32(rng.uniform(-1, 2, size=12)))
    cases = []
    for rewards, G in [(binary, 4), (graded, 3), (graded, 6)]:
        for scale in ["group", "batch", "none"]:
            cases.append({"rewards": [float(r) for r in rewards], "groupSize": G, "scale": scale, "eps": 1e-4,
                          "advantages": trl_advantages([float(r) for r in rewards], G, scale)})
        cases.append({"rewards": [float(r) for r in rewards], "groupSize": G, "scale": "group", "eps": 1e-6,
                      "advantages": trl_advantages([float(r) for r in rewards], G, "group", 1e-6)})
    return cases


def grpo_case(loss_type, beta, eps_low, eps_high, seed, max_completion_length):
    r = np.random.RandomState(seed)
    B, T, V, G = 6, 5, 4, 3
    lengths = [5, 3, 1, 4, 2, 5]
    mask = torch.tensor([[1.0 if t < n else 0.0 for t in range(T)] for n in lengths])
    logits_np = f32(r.randn(B, T, V))
    ids = torch.tensor(r.randint(0, V, size=(B, T)))
    logits = torch.tensor(logits_np, requires_grad=True)
    # TRL selective_log_softmax: log_softmax then gather the completion ids.
    per_token_logps = torch.gather(logits.log_softmax(-1), dim=-1, index=ids.unsqueeze(-1)).squeeze(-1)
    old_per_token_logps = torch.tensor(f32(per_token_logps.detach().numpy() + r.uniform(-0.4, 0.4, size=(B, T))))
    ref_logits = f32(logits_np + r.randn(B, T, V) * 0.5)
    ref_per_token_logps = torch.gather(torch.tensor(ref_logits).log_softmax(-1), dim=-1, index=ids.unsqueeze(-1)).squeeze(-1)
    ref_per_token_logps = torch.tensor(f32(ref_per_token_logps.numpy()))
    rewards = [float(x) for x in f32(r.randint(0, 2, size=B) + r.uniform(0, 0.3, size=B))]
    advantages = torch.tensor(trl_advantages(rewards, G, "group"))

    per_token_kl = torch.exp(ref_per_token_logps - per_token_logps) - (ref_per_token_logps - per_token_logps) - 1
    coef_1 = torch.exp(per_token_logps - old_per_token_logps)
    coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
    per_token_loss1 = coef_1 * advantages.unsqueeze(1)
    per_token_loss2 = coef_2 * advantages.unsqueeze(1)
    per_token_loss = -torch.min(per_token_loss1, per_token_loss2)
    if beta != 0.0:
        per_token_loss = per_token_loss + beta * per_token_kl
    if loss_type == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif loss_type == "bnpo":
        loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    elif loss_type == "dr_grpo":
        loss = (per_token_loss * mask).sum() / (per_token_loss.size(0) * max_completion_length)
    loss.backward()
    mean_kl = (per_token_kl * mask).sum() / mask.sum()
    return {
        "name": f"loss_type {loss_type}, beta {beta}, epsilon {eps_low}/{eps_high}",
        "lossType": loss_type, "beta": beta, "epsilonLow": eps_low, "epsilonHigh": eps_high,
        "maxCompletionLength": max_completion_length,
        "B": B, "T": T, "V": V, "logits": flat(logits_np), "ids": flat(ids), "mask": flat(mask),
        "oldLogProb": flat(old_per_token_logps), "refLogProb": flat(ref_per_token_logps),
        "advantages": flat(advantages), "loss": loss.item(), "kl": mean_kl.item(), "gradLogits": flat(logits.grad),
    }


def kl_case():
    lr = torch.tensor(f32(rng.uniform(-1.5, 1.5, size=20)))
    ratio = lr.exp()
    return {"logRatio": flat(lr), "k1": (-lr).mean().item(), "k2": (lr ** 2 / 2).mean().item(),
            "k3": ((ratio - 1) - lr).mean().item()}


def main():
    fixture = {
        "generated": f"generated by scripts/gen_rl_fixtures.py with torch {torch.__version__}, numpy {np.__version__}; do not edit",
        "gae": gae_cases(),
        "ppo": [ppo_case("cleanrl", 0.2, 0.01, 1), ppo_case("cleanrl", None, 0.01, 2),
                ppo_case("sb3", None, 0.0, 3), ppo_case("sb3", 0.2, 0.01, 4)],
        "reinforce": reinforce_case(),
        "groupAdvantages": advantage_cases(),
        "grpo": [grpo_case(lt, beta, lo, hi, 10 + k, 6)
                 for k, (lt, beta, lo, hi) in enumerate([
                     ("grpo", 0.0, 0.2, 0.2), ("bnpo", 0.0, 0.2, 0.2), ("dr_grpo", 0.0, 0.2, 0.2),
                     ("grpo", 0.04, 0.2, 0.28), ("bnpo", 0.04, 0.2, 0.28), ("dr_grpo", 0.04, 0.2, 0.28)])],
        "kl": kl_case(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
