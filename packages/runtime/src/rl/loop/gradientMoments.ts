import * as tf from "@tensorflow/tfjs"
import { read, type Reading } from "../../run/reading.ts"
import { snrOf } from "../snr.ts"

/**
 * The minibatch gradients of one epoch, kept (before clipping) until the epoch ends so that their
 * mean and spread can be taken exactly: the gradient SNR of `snr.ts`. Small policies only keep a
 * few copies of their weights' size.
 */
export class GradientMoments {
  private readonly kept: Array<Record<string, tf.Tensor>> = []

  /** Keeps a copy of `grads` (the caller may clip and dispose its own). */
  add(grads: Readonly<Record<string, tf.Tensor>>): void {
    this.kept.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.clone(g)])))
  }

  /** The SNR of the gradients kept (NaN below two), then frees them. */
  *snr(): Reading<number> {
    const count = this.kept.length
    if (count < 2) {
      this.dispose()
      return Number.NaN
    }
    const [meanNorm, deviations] = tf.tidy(() => {
      let meanSq = tf.scalar(0)
      let dev = tf.scalar(0)
      for (const name of Object.keys(this.kept[0]!)) {
        const stacked = tf.stack(this.kept.map((g) => g[name]!))
        const mean = tf.mean(stacked, 0)
        meanSq = tf.add(meanSq, tf.sum(tf.square(mean)))
        dev = tf.add(dev, tf.sum(tf.square(tf.sub(stacked, mean))))
      }
      return [meanSq, dev]
    })
    try {
      const [m, d] = yield* read(meanNorm!, deviations!)
      return snrOf(m![0]!, d![0]!, count)
    } finally {
      tf.dispose([meanNorm!, deviations!])
      this.dispose()
    }
  }

  dispose(): void {
    for (const g of this.kept) tf.dispose(Object.values(g))
    this.kept.length = 0
  }
}
