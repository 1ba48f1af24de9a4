/**
 * PPO on CartPole-v1 with CleanRL's defaults (4 envs x 128 steps, 4 epochs x 4 minibatches, lr
 * 2.5e-4 annealed over the run, gamma 0.99, lambda 0.95, clip 0.2, ent 0.01, vf 0.5, max grad norm
 * 0.5): wall time per iteration (rollout and update) and the return curve, per backend.
 *
 * Run: `node packages/runtime/bench/rl-cartpole.bench.ts [iterations] [backend...] [--seed N]`
 * (default: 100 iterations = 51 200 env steps, backends wasm and cpu, seed 1).
 */
import * as tf from "@tensorflow/tfjs"
import { starters } from "../src/backend/Backend.ts"
import { cartpole } from "../src/rl/env/cartpole.ts"
import { VectorEnv } from "../src/rl/env/vector.ts"
import { createLearner, disposeLearner } from "../src/rl/loop/learner.ts"
import { CLEANRL_PPO, cleanrlAnnealedLr, ppoIteration } from "../src/rl/loop/ppo.ts"
import { createActorCritic } from "../src/rl/policy/actorCritic.ts"

const args = process.argv.slice(2)
const seedAt = args.indexOf("--seed")
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 1
const rest = seedAt < 0 ? args : args.filter((_, i) => i !== seedAt && i !== seedAt + 1)
const iterations = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest[0]) : 100
const backends = rest.filter((a) => a === "cpu" || a === "wasm") as Array<"cpu" | "wasm">

const run = async (backend: "cpu" | "wasm") => {
  await starters[backend]()
  const env = new VectorEnv(cartpole(), { numEnvs: 4, seed })
  const policy = createActorCritic({ observationSize: 4, actions: 2, seed })
  const learner = createLearner({ env, policy, seed })
  const settings = { ...CLEANRL_PPO, lr: cleanrlAnnealedLr(2.5e-4, iterations) }
  const window: Array<number> = []
  // Counted after the first iteration: Adam creates its moment slots on its first update.
  let tensorsBefore = 0
  const times: Array<number> = []
  const t0 = performance.now()
  console.log(`\n${backend}: ${iterations} iterations, seed ${seed}`)
  console.log("iter  env_steps  ms/iter  episodes  mean_return(iter)  mean_return(last 20)  entropy  approx_kl  clipfrac  expl_var")
  for (let i = 0; i < iterations; i++) {
    const start = performance.now()
    const s = ppoIteration(learner, settings)
    times.push(performance.now() - start)
    if (i === 0) tensorsBefore = tf.memory().numTensors
    window.push(...s.returns)
    window.splice(0, Math.max(0, window.length - 20))
    const last20 = window.length === 0 ? Number.NaN : window.reduce((a, b) => a + b, 0) / window.length
    if ((i + 1) % 5 === 0 || i === 0) {
      console.log(
        [i + 1, s.envSteps, times[i]!.toFixed(0), s.episodes, s.meanReturn.toFixed(1), last20.toFixed(1), s.entropy.toFixed(3), s.approxKl.toExponential(2), s.clipFraction.toFixed(3), s.explainedVariance.toFixed(3)]
          .map(String)
          .join("  ")
      )
    }
  }
  const total = (performance.now() - t0) / 1000
  const sorted = [...times].sort((a, b) => a - b)
  console.log(`${backend}: total ${total.toFixed(1)} s, median ${sorted[sorted.length >> 1]!.toFixed(0)} ms/iteration, tensors added after the first iteration ${tf.memory().numTensors - tensorsBefore}, last-20 mean return ${(window.reduce((a, b) => a + b, 0) / window.length).toFixed(1)}`)
  disposeLearner(learner)
}

for (const b of backends.length === 0 ? (["wasm", "cpu"] as const) : backends) await run(b)
