import * as tf from "@tensorflow/tfjs"
import { deriveSeed, rngFromState } from "../../data/random.ts"
import type { NamedVariable } from "../../model/variables.ts"
import { normalWeight, orthogonalWeight, uniformWeight } from "./init.ts"
import { type PolicyParameters, readWeights, trainable, writeWeights } from "./weights.ts"

export interface SequencePolicyOptions {
  /** Length of the prompt's feature vector (digit-sum: one-hot target; copy/reverse: the one-hot string). */
  readonly promptSize: number
  /** Output tokens (the env's actions). */
  readonly vocab: number
  /** GRU state width. Default 64. */
  readonly hidden?: number
  /** Token embedding width. Default 16. */
  readonly embedding?: number
  /** Width of the per-step features fed beside each token (`EnvSpec.stepFeatures`). Default 0: none. */
  readonly features?: number
  readonly seed: number
}

/** One decoding step: the next state `[B, H]`, the next token's logits `[B, vocab]` and values `[B]`. */
export interface SequenceStep {
  readonly state: tf.Tensor2D
  readonly logits: tf.Tensor2D
  readonly values: tf.Tensor1D
}

export interface SequencePolicy extends PolicyParameters {
  readonly promptSize: number
  readonly vocab: number
  readonly hidden: number
  /** Per-step feature width (0: tokens only). */
  readonly features: number
  /** The token fed before the first output token: index `vocab` of the embedding. */
  readonly bos: number
  /** The state before the first token, from the prompt features `[B, promptSize]`. */
  initial(prompt: tf.Tensor2D): tf.Tensor2D
  /** Feeds the previous token (`bos` first), and its step features `[B, features]` when the policy has any, and returns what the policy says about the next one. */
  step(state: tf.Tensor2D, previous: tf.Tensor1D, features?: tf.Tensor2D): SequenceStep
  /**
   * Teacher-forced pass over whole answers: `tokens` `[B, T]` int32 are the emitted tokens; row t
   * of the output is the distribution token t was drawn from (given the prompt and tokens < t),
   * so `logits` is `[B, T, vocab]` and `values` `[B, T]`. Padding after an answer's end is fed like
   * any token; the caller masks it. `features` `[B, T, features]`: row t is what `step` t was fed.
   * Equal to T calls of `step`, and differentiable.
   */
  sequence(prompt: tf.Tensor2D, tokens: tf.Tensor2D, features?: tf.Tensor3D): { readonly logits: tf.Tensor3D; readonly values: tf.Tensor2D }
}

/**
 * A small GRU policy for the token tasks, written with tfjs ops (tfjs-layers' GRU is not used: its
 * weights would not go through our named variables, seeded init and checkpoint format).
 *
 *   h₀ = tanh(prompt · W_p + b_p)
 *   x_t = E[previous token]                  (E has vocab + 1 rows; the last is BOS)
 *   r = σ(x W_ir + b_ir + h W_hr + b_hr),  z = σ(x W_iz + b_iz + h W_hz + b_hz)
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h     (torch.nn.GRU)
 *   logits = h' W_π + b_π,  value = h' W_v + b_v
 *
 * The prompt enters through h₀ (a conditioned decoder) instead of being fed as tokens, so the
 * prompt's encoding does not depend on how the task tokenises it. With `features` F > 0 the input
 * is `[E[previous token], f_t]`: `gru.feature.weight` `[F, 3H]` adds `f_t W_f` to the input gates
 * (the same as a `[E + F, 3H]` input matrix), drawn U(±1/√H) after every other variable, so a
 * policy without features keeps its variables, draws and checkpoints.
 *
 * Init (stream `"rl/policy/init"` of `seed`, in the order of `variables`): `prompt.weight`
 * orthogonal gain 1; `embedding` N(0, 1) (torch.nn.Embedding); `gru.input.weight` `[E, 3H]`,
 * `gru.hidden.weight` `[H, 3H]` and both biases U(±1/√H) (torch.nn.GRU; gate blocks in torch's
 * order r, z, n); `policy.head` orthogonal 0.01 and `value.head` orthogonal 1 as CleanRL's heads;
 * the other biases 0.
 */
export const createSequencePolicy = (options: SequencePolicyOptions): SequencePolicy => {
  const { promptSize, vocab, seed } = options
  const H = options.hidden ?? 64
  const E = options.embedding ?? 16
  const F = options.features ?? 0
  for (const [what, n] of [["promptSize", promptSize], ["vocab", vocab], ["hidden", H], ["embedding", E]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sequence policy ${what} must be a positive integer, got ${n}`)
  }
  if (!Number.isInteger(F) || F < 0) throw new Error(`sequence policy features must be a non-negative integer, got ${F}`)
  const rng = rngFromState(deriveSeed(seed, "rl/policy/init"))
  const variables: Array<NamedVariable> = []
  const add = (name: string, values: Float32Array, shape: ReadonlyArray<number>): tf.Variable => {
    const variable = trainable(values, shape)
    variables.push({ name, variable })
    return variable
  }
  const bound = 1 / Math.sqrt(H)
  const promptW = add("prompt.weight", orthogonalWeight(rng, promptSize, H, 1), [promptSize, H])
  const promptB = add("prompt.bias", new Float32Array(H), [H])
  const embedding = add("embedding", normalWeight(rng, (vocab + 1) * E), [vocab + 1, E])
  const inputW = add("gru.input.weight", uniformWeight(rng, E * 3 * H, bound), [E, 3 * H])
  const hiddenW = add("gru.hidden.weight", uniformWeight(rng, H * 3 * H, bound), [H, 3 * H])
  const inputB = add("gru.input.bias", uniformWeight(rng, 3 * H, bound), [3 * H])
  const hiddenB = add("gru.hidden.bias", uniformWeight(rng, 3 * H, bound), [3 * H])
  const policyW = add("policy.head.weight", orthogonalWeight(rng, H, vocab, 0.01), [H, vocab])
  const policyB = add("policy.head.bias", new Float32Array(vocab), [vocab])
  const valueW = add("value.head.weight", orthogonalWeight(rng, H, 1, 1), [H, 1])
  const valueB = add("value.head.bias", new Float32Array(1), [1])
  const featureW = F === 0 ? undefined : add("gru.feature.weight", uniformWeight(rng, F * 3 * H, bound), [F, 3 * H])

  /** One GRU cell update from the embedded input `x` [B, E] and the step features `f` [B, F]. */
  const cell = (h: tf.Tensor2D, x: tf.Tensor2D, f: tf.Tensor2D | undefined): tf.Tensor2D => {
    const gx = tf.add(tf.matMul(x, inputW), inputB)
    const gi = featureW === undefined ? gx : tf.add(gx, tf.matMul(f!, featureW))
    const gh = tf.add(tf.matMul(h, hiddenW), hiddenB)
    const [ir, iz, inn] = tf.split(gi, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
    const [hr, hz, hn] = tf.split(gh, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
    const r = tf.sigmoid(tf.add(ir, hr))
    const z = tf.sigmoid(tf.add(iz, hz))
    const n = tf.tanh(tf.add(inn, tf.mul(r, hn)))
    return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h))
  }
  const heads = (h: tf.Tensor2D) => ({
    logits: tf.add(tf.matMul(h, policyW), policyB) as tf.Tensor2D,
    values: tf.reshape(tf.add(tf.matMul(h, valueW), valueB), [-1]) as tf.Tensor1D
  })
  const initial = (prompt: tf.Tensor2D): tf.Tensor2D => {
    if (prompt.shape[1] !== promptSize) throw new Error(`sequence policy expects [B, ${promptSize}] prompts, got [${prompt.shape}]`)
    return tf.tidy(() => tf.tanh(tf.add(tf.matMul(prompt, promptW), promptB)))
  }

  return {
    promptSize,
    vocab,
    hidden: H,
    features: F,
    bos: vocab,
    variables,
    initial,
    step: (state, previous, features) =>
      tf.tidy(() => {
        if (F > 0 && features?.shape[1] !== F) throw new Error(`sequence policy expects [B, ${F}] step features, got ${features === undefined ? "none" : `[${features.shape}]`}`)
        const h = cell(state, tf.gather(embedding, previous) as tf.Tensor2D, features)
        return { state: h, ...heads(h) }
      }),
    sequence: (prompt, tokens, features) =>
      tf.tidy(() => {
        const [B, T] = tokens.shape
        if (F > 0 && (features === undefined || features.shape[0] !== B || features.shape[1] !== T || features.shape[2] !== F)) {
          throw new Error(`sequence policy expects [${B}, ${T}, ${F}] step features, got ${features === undefined ? "none" : `[${features.shape}]`}`)
        }
        // Inputs are BOS then tokens 0..T-2: position t sees exactly what was emitted before t.
        const inputs = tf.concat([tf.fill([B, 1], vocab, "int32"), tf.slice(tokens, [0, 0], [B, T - 1])], 1)
        const embedded = tf.gather(embedding, inputs) as tf.Tensor3D // [B, T, E]
        let h = initial(prompt)
        const states: Array<tf.Tensor2D> = []
        for (let t = 0; t < T; t++) {
          const f = F === 0 ? undefined : (tf.reshape(tf.slice(features!, [0, t, 0], [B, 1, F]), [B, F]) as tf.Tensor2D)
          h = cell(h, tf.reshape(tf.slice(embedded, [0, t, 0], [B, 1, E]), [B, E]), f)
          states.push(h)
        }
        const all = tf.reshape(tf.stack(states, 1), [B * T, H]) as tf.Tensor2D
        const { logits, values } = heads(all)
        return { logits: tf.reshape(logits, [B, T, vocab]) as tf.Tensor3D, values: tf.reshape(values, [B, T]) as tf.Tensor2D }
      }),
    state: () => readWeights(variables),
    restore: (saved) => writeWeights(variables, saved),
    dispose: () => {
      for (const { variable } of variables) variable.dispose()
    }
  }
}
