import { assert, describe, it } from "@effect/vitest"
import { createRng } from "../../../src/data/random.ts"
import { bandit, driftingBandit } from "../../../src/rl/env/bandit.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"

const meanStd = (xs: ReadonlyArray<number>) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length
  return { mean: m, std: Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) }
}

describe("10-armed testbed", () => {
  it("draws q* ~ N(0, 1) per copy and keeps it across pulls", () => {
    const env = new VectorEnv(bandit(), { numEnvs: 500, seed: 1 })
    env.reset()
    const q = Array.from({ length: 500 }, (_, i) => env.envState(i).q)
    const { mean, std } = meanStd(q.flat())
    assert.isBelow(Math.abs(mean), 0.05) // 5000 draws: standard error 0.014
    assert.isBelow(Math.abs(std - 1), 0.05)
    for (let t = 0; t < 20; t++) {
      const step = env.step(new Array(500).fill(t % 10))
      assert.deepStrictEqual(Array.from(step.terminated), new Array(500).fill(1)) // one pull, one episode
    }
    assert.deepStrictEqual(Array.from({ length: 500 }, (_, i) => env.envState(i).q), q)
  })

  it("pays R ~ N(q*(a), 1) and flags optimal pulls", () => {
    const env = new VectorEnv(bandit(), { numEnvs: 1, seed: 4 })
    env.reset()
    const q = env.envState(0).q
    const best = q.indexOf(Math.max(...q))
    for (const arm of [best, (best + 1) % 10]) {
      const rewards: Array<number> = []
      for (let t = 0; t < 4000; t++) {
        const step = env.step([arm])
        rewards.push(step.reward[0]!)
        assert.strictEqual(step.episodes[0]!.info["optimal"], arm === best ? 1 : 0)
        assert.strictEqual(step.episodes[0]!.info["arm"], arm)
      }
      const { mean, std } = meanStd(rewards)
      assert.isBelow(Math.abs(mean - q[arm]!), 0.06) // standard error 0.016
      assert.isBelow(Math.abs(std - 1), 0.05)
    }
  })

  it("reproduces Sutton & Barto's Figure 2.2: ε = 0.1 sample averages reach about 1.4 by step 1000", () => {
    const runs = 400
    const env = new VectorEnv(bandit(), { numEnvs: runs, seed: 2022 })
    env.reset()
    const rng = createRng(5)
    const estimates = Array.from({ length: runs }, () => new Float64Array(10))
    const counts = Array.from({ length: runs }, () => new Float64Array(10))
    let late = 0
    for (let t = 0; t < 1000; t++) {
      const actions = estimates.map((qHat) => {
        if (rng.uniform() < 0.1) return rng.int(10)
        const top = Math.max(...qHat)
        const ties = [...qHat.keys()].filter((a) => qHat[a] === top)
        return ties[rng.int(ties.length)]!
      })
      const step = env.step(actions)
      actions.forEach((a, i) => {
        counts[i]![a]! += 1
        estimates[i]![a]! += (step.reward[i]! - estimates[i]![a]!) / counts[i]![a]!
      })
      if (t >= 900) late += step.reward.reduce((s, r) => s + r, 0)
    }
    const average = late / (100 * runs)
    // The asymptote is 0.9 · E[max of 10 N(0,1)] ≈ 0.9 · 1.539 ≈ 1.39; the figure shows ~1.35-1.4.
    assert.isAbove(average, 1.25)
    assert.isBelow(average, 1.5)
  })

  it("drifting: q* start equal at 0 and walk with std 0.01 per pull", () => {
    const env = new VectorEnv(driftingBandit(), { numEnvs: 300, seed: 9 })
    env.reset()
    assert.deepStrictEqual(env.envState(0).q, new Array(10).fill(0))
    const before = Array.from({ length: 300 }, (_, i) => env.envState(i).q)
    const first = env.step(new Array(300).fill(0))
    // All q* equal before the first pull, so any arm is optimal.
    assert.isTrue(first.episodes.every((e) => e.info["optimal"] === 1))
    const increments = Array.from({ length: 300 }, (_, i) => env.envState(i).q.map((v, a) => (v - before[i]![a]!) / 0.01)).flat()
    const { mean, std } = meanStd(increments)
    assert.isBelow(Math.abs(mean), 0.07)
    assert.isBelow(Math.abs(std - 1), 0.05)
    for (let t = 0; t < 999; t++) env.step(new Array(300).fill(0))
    const spread = meanStd(env.envState(0).q).std
    assert.isAbove(spread, 0.1) // after 1000 pulls each q* has std 0.01·√1000 ≈ 0.32
    assert.isBelow(spread, 0.7)
  })

  it("drifting one problem: copies that start from the same walk stream and pull in step keep the same q*", () => {
    const env = new VectorEnv(bandit({ arms: 4, q: [0, 0.5, 1, 1.5], driftStd: 0.1, walkSeed: 11 }), { numEnvs: 3, seed: 2 })
    env.reset()
    for (let t = 0; t < 50; t++) env.step([t % 4, (t + 1) % 4, 3])
    const q = env.envState(0).q
    assert.deepStrictEqual(env.envState(1).q, q)
    assert.deepStrictEqual(env.envState(2).q, q)
    assert.notDeepEqual(q, [0, 0.5, 1, 1.5])
    // Optimal pulls are judged against the walked values.
    const best = q.indexOf(Math.max(...q))
    assert.strictEqual(env.step([best, (best + 1) % 4, (best + 2) % 4]).episodes[0]!.info["optimal"], 1)
  })
})
