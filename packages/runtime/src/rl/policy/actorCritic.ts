import * as tf from "@tensorflow/tfjs"
import { deriveSeed, rngFromState } from "../../data/random.ts"
import { layerNorm } from "../../model/layers.ts"
import type { NamedVariable } from "../../model/variables.ts"
import { orthogonalWeight } from "./init.ts"
import { type PolicyParameters, readWeights, trainable, writeWeights } from "./weights.ts"

export interface ActorCriticOptions {
  readonly observationSize: number
  readonly actions: number
  /** Hidden widths of each trunk (CleanRL and SB3: [64, 64]). */
  readonly hidden?: ReadonlyArray<number>
  /** CleanRL and SB3 use tanh. */
  readonly activation?: "tanh" | "relu"
  /**
   * false (CleanRL `ppo.py`, SB3 `MlpPolicy`): separate actor and critic MLPs. true: one trunk
   * feeding both heads, so the value loss also shapes the policy's features.
   */
  readonly shared?: boolean
  /**
   * torch.nn.LayerNorm (gain 1, bias 0, drawing nothing) after each hidden layer's affine map,
   * before the activation: Normalize-and-Project's normalisation, under which projecting the
   * weights back to their initial norms leaves the function intact.
   */
  readonly layerNorm?: boolean
  readonly seed: number
}

/** Logits `[B, actions]` and values `[B]` of a batch of observations `[B, observationSize]`. */
export interface ActorCriticOutput {
  readonly logits: tf.Tensor2D
  readonly values: tf.Tensor1D
}

export interface ActorCritic extends PolicyParameters {
  readonly observationSize: number
  readonly actions: number
  /** The caller owns the returned tensors; differentiable with respect to `variables`. */
  forward(observations: tf.Tensor2D): ActorCriticOutput
  /**
   * The fraction of active units (FAU, Ma et al. 2023) on a batch of observations: the share of
   * hidden units with a positive output, over every hidden layer of both trunks (the one trunk when
   * shared) and every observation. For ReLU these are the units that pass a gradient.
   */
  activeFraction(observations: tf.Tensor2D): tf.Scalar
}

interface Dense {
  readonly weight: tf.Variable
  readonly bias: tf.Variable
  readonly norm?: { readonly gain: tf.Variable; readonly bias: tf.Variable }
}

/**
 * A discrete-action MLP actor-critic with CleanRL's PPO init (`layer_init` in `ppo.py`, the same as
 * SB3's `ortho_init`): every weight orthogonal (`torch.nn.init.orthogonal_`) with gain √2 in the
 * hidden layers, 0.01 in the policy head (near-uniform first policy, so early exploration does not
 * depend on the seed's luck) and 1 in the value head; every bias 0.
 *
 * Weights are drawn from stream `"rl/policy/init"` of `seed`, layer after layer in the order of
 * `variables`: separate trunks as CleanRL builds them, critic first (`critic.layer{i}`,
 * `critic.head`) then actor (`actor.layer{i}`, `actor.head`); a shared trunk as `trunk.layer{i}`,
 * then `policy.head`, then `value.head`. Each layer has `.weight` `[fanIn, fanOut]` and `.bias`.
 */
export const createActorCritic = (options: ActorCriticOptions): ActorCritic => {
  const { observationSize, actions, seed } = options
  const hidden = options.hidden ?? [64, 64]
  const shared = options.shared ?? false
  const act = options.activation === "relu" ? tf.relu : tf.tanh
  for (const [what, n] of [["observationSize", observationSize], ["actions", actions], ...hidden.map((h) => ["hidden width", h] as const)] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`actor-critic ${what} must be a positive integer, got ${n}`)
  }
  const rng = rngFromState(deriveSeed(seed, "rl/policy/init"))
  const variables: Array<NamedVariable> = []
  const dense = (name: string, fanIn: number, fanOut: number, gain: number): Dense => {
    const weight = trainable(orthogonalWeight(rng, fanIn, fanOut, gain), [fanIn, fanOut])
    const bias = trainable(new Float32Array(fanOut), [fanOut])
    variables.push({ name: `${name}.weight`, variable: weight }, { name: `${name}.bias`, variable: bias })
    return { weight, bias }
  }
  const trunk = (prefix: string): Array<Dense> => {
    const widths = [observationSize, ...hidden]
    return hidden.map((_, l) => {
      const d = dense(`${prefix}.layer${l}`, widths[l]!, widths[l + 1]!, Math.SQRT2)
      if (options.layerNorm !== true) return d
      const width = widths[l + 1]!
      const norm = { gain: trainable(new Float32Array(width).fill(1), [width]), bias: trainable(new Float32Array(width), [width]) }
      variables.push({ name: `${prefix}.layer${l}.norm.weight`, variable: norm.gain }, { name: `${prefix}.layer${l}.norm.bias`, variable: norm.bias })
      return { ...d, norm }
    })
  }
  const last = hidden.length === 0 ? observationSize : hidden[hidden.length - 1]!
  let actorTrunk: Array<Dense>
  let criticTrunk: Array<Dense>
  let policyHead: Dense
  let valueHead: Dense
  if (shared) {
    actorTrunk = criticTrunk = trunk("trunk")
    policyHead = dense("policy.head", last, actions, 0.01)
    valueHead = dense("value.head", last, 1, 1)
  } else {
    criticTrunk = trunk("critic")
    valueHead = dense("critic.head", last, 1, 1)
    actorTrunk = trunk("actor")
    policyHead = dense("actor.head", last, actions, 0.01)
  }

  const affine = (x: tf.Tensor2D, d: Dense): tf.Tensor2D => tf.add(tf.matMul(x, d.weight), d.bias)
  const hiddenLayer = (x: tf.Tensor2D, d: Dense): tf.Tensor2D => act(d.norm === undefined ? affine(x, d) : layerNorm(affine(x, d), d.norm.gain, d.norm.bias))
  const features = (x: tf.Tensor2D, layers: ReadonlyArray<Dense>): tf.Tensor2D => layers.reduce(hiddenLayer, x)

  return {
    observationSize,
    actions,
    variables,
    forward: (observations) => {
      if (observations.shape[1] !== observationSize) throw new Error(`actor-critic expects [B, ${observationSize}] observations, got [${observations.shape}]`)
      return tf.tidy(() => {
        const actorFeatures = features(observations, actorTrunk)
        const criticFeatures = shared ? actorFeatures : features(observations, criticTrunk)
        return {
          logits: affine(actorFeatures, policyHead),
          values: tf.reshape(affine(criticFeatures, valueHead), [-1]) as tf.Tensor1D
        }
      })
    },
    activeFraction: (observations) =>
      tf.tidy(() => {
        const trunks = shared ? [actorTrunk] : [criticTrunk, actorTrunk]
        let active = tf.scalar(0)
        let units = 0
        for (const layers of trunks) {
          let h: tf.Tensor2D = observations
          for (const d of layers) {
            h = hiddenLayer(h, d)
            active = tf.add(active, tf.sum(tf.cast(tf.greater(h, 0), "float32")))
            units += h.shape[0] * h.shape[1]
          }
        }
        return tf.div(active, Math.max(units, 1)) as tf.Scalar
      }),
    state: () => readWeights(variables),
    restore: (saved) => writeWeights(variables, saved),
    dispose: () => {
      for (const { variable } of variables) variable.dispose()
    }
  }
}
