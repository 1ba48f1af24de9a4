import { assert, describe, it } from "@effect/vitest"
import { createRng } from "../../../src/data/random.ts"
import { copyReverse } from "../../../src/rl/env/copyReverse.ts"
import { driftingBandit } from "../../../src/rl/env/bandit.ts"
import { cartpole } from "../../../src/rl/env/cartpole.ts"
import { DIGIT_SUM_EOS, digitSum } from "../../../src/rl/env/digitSum.ts"
import type { EnvSpec } from "../../../src/rl/env/env.ts"
import { frozenLake } from "../../../src/rl/env/frozenLake.ts"
import { VectorEnv, type VectorStep } from "../../../src/rl/env/vector.ts"

/** Plain-data view of a step, for deep comparison. */
const plain = (s: VectorStep) => ({
  observation: Array.from(s.observation),
  finalObservation: Array.from(s.finalObservation),
  reward: Array.from(s.reward),
  terminated: Array.from(s.terminated),
  truncated: Array.from(s.truncated),
  active: Array.from(s.active),
  episodes: s.episodes
})

/** `steps` steps with seeded random actions. */
const rollout = <S, P extends Readonly<Record<string, number>>>(env: VectorEnv<S, P>, steps: number, actionSeed: number) => {
  const rng = createRng(actionSeed)
  return Array.from({ length: steps }, () => plain(env.step(Array.from({ length: env.numEnvs }, () => rng.int(env.spec.actions)))))
}

const specs: ReadonlyArray<readonly [string, () => EnvSpec<unknown, Readonly<Record<string, number>>>]> = [
  ["cartpole", () => cartpole() as EnvSpec<unknown, Readonly<Record<string, number>>>],
  ["frozen_lake", () => frozenLake() as EnvSpec<unknown, Readonly<Record<string, number>>>],
  ["drifting bandit", () => driftingBandit() as EnvSpec<unknown, Readonly<Record<string, number>>>],
  ["digit_sum", () => digitSum() as unknown as EnvSpec<unknown, Readonly<Record<string, number>>>],
  ["reverse", () => copyReverse() as unknown as EnvSpec<unknown, Readonly<Record<string, number>>>]
]

describe("VectorEnv", () => {
  for (const [name, spec] of specs) {
    it(`${name}: same seed, same numbers; another seed, other numbers`, () => {
      const run = (seed: number) => {
        const env = new VectorEnv(spec(), { numEnvs: 5, seed })
        return { first: Array.from(env.reset()), steps: rollout(env, 60, 1) }
      }
      assert.deepStrictEqual(run(7), run(7))
      assert.notDeepEqual(run(7), run(8))
    })

    it(`${name}: resumes exactly from a JSON round trip of its state`, () => {
      const a = new VectorEnv(spec(), { numEnvs: 5, seed: 3 })
      a.reset()
      rollout(a, 37, 2)
      const saved = JSON.parse(JSON.stringify(a.state()))
      const b = new VectorEnv(spec(), { numEnvs: 5, seed: 999 }) // the seed is overwritten by the state
      b.restore(saved)
      assert.deepStrictEqual(Array.from(b.observation()), Array.from(a.observation()))
      assert.deepStrictEqual(rollout(b, 80, 5), rollout(a, 80, 5))
    })
  }

  it("gives each copy its own stream: copies of one env differ", () => {
    const env = new VectorEnv(cartpole(), { numEnvs: 2, seed: 1 })
    const obs = env.reset()
    assert.notDeepEqual(Array.from(obs.slice(0, 4)), Array.from(obs.slice(4)))
  })

  it("groups share their episode draws and wait for reset() when autoReset is off", () => {
    const env = new VectorEnv(digitSum(), { numEnvs: 8, seed: 5, groupSize: 4, autoReset: false })
    const targets = () => Array.from({ length: 8 }, (_, i) => env.envState(i).target)
    env.reset()
    const first = targets()
    assert.deepStrictEqual(first.slice(0, 4), new Array(4).fill(first[0]))
    assert.deepStrictEqual(first.slice(4), new Array(4).fill(first[4]))
    // Copy 0 answers at once; the others keep emitting digits.
    const s1 = env.step([DIGIT_SUM_EOS, 1, 1, 1, 1, 1, 1, 1])
    assert.deepStrictEqual(Array.from(s1.active), [1, 1, 1, 1, 1, 1, 1, 1])
    assert.deepStrictEqual(s1.episodes.map((e) => e.env), [0])
    const s2 = env.step([3, 2, 2, 2, 2, 2, 2, 2])
    assert.strictEqual(s2.active[0], 0)
    assert.strictEqual(s2.reward[0], 0)
    assert.deepStrictEqual(env.envState(0).tokens, [DIGIT_SUM_EOS]) // the waiting copy did not move
    assert.deepStrictEqual(Array.from(s2.observation.slice(0, env.spec.observationSize)), Array.from(s1.finalObservation.slice(0, env.spec.observationSize)))
    for (let t = 0; t < 8 && !env.allDone(); t++) env.step(new Array(8).fill(DIGIT_SUM_EOS))
    assert.isTrue(env.allDone())
    env.reset()
    const second = targets()
    assert.deepStrictEqual(second.slice(0, 4), new Array(4).fill(second[0]))
    assert.notDeepEqual(second, first)
  })

  it("starts fewer copies than a group holds, and more on the same prompts later (extend)", () => {
    const make = () => new VectorEnv(digitSum({ maxTarget: 27 }), { numEnvs: 12, seed: 7, groupSize: 6, autoReset: false })
    const whole = make()
    whole.reset()
    const env = make()
    env.reset([2, 3])
    // The same reset streams: the groups draw the prompts a full reset draws; the rest wait.
    assert.deepStrictEqual(env.running(), [0, 1, 6, 7, 8])
    assert.strictEqual(env.envState(0).target, whole.envState(0).target)
    assert.strictEqual(env.envState(8).target, whole.envState(6).target)
    const s = env.step(new Array(12).fill(DIGIT_SUM_EOS))
    assert.deepStrictEqual(Array.from(s.active), [1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0])
    assert.isTrue(env.allDone())
    // Three more answers to group 0's prompt, one to group 1's, after the copies already used.
    env.extend([3, 1])
    assert.deepStrictEqual(env.running(), [2, 3, 4, 9])
    for (const i of [2, 3, 4]) assert.strictEqual(env.envState(i).target, whole.envState(0).target)
    assert.strictEqual(env.envState(9).target, whole.envState(6).target)
    assert.throws(() => env.extend([2, 0]), /group 0 cannot start 2 copies \(0\.\.1\)/)
    env.step(new Array(12).fill(DIGIT_SUM_EOS))
    // The next reset draws what a full reset's next one draws: extend did not move the streams.
    env.reset([6, 6])
    whole.reset()
    for (let i = 0; i < 12; i++) assert.strictEqual(env.envState(i).target, whole.envState(i).target)
    assert.throws(() => env.reset([7, 1]), /group 0 cannot start 7 copies/)
    assert.throws(() => make().extend([1, 1]), /extend before reset/)
    // A checkpoint between the probes and the extra answers goes on the same way.
    const a = make()
    a.reset([2, 2])
    const b = make()
    b.restore(JSON.parse(JSON.stringify(a.state())))
    a.extend([1, 1])
    b.extend([1, 1])
    assert.deepStrictEqual(b.state(), a.state())
  })

  it("resumes grouped, non-auto-reset copies exactly, waiting copies included", () => {
    const make = () => new VectorEnv(digitSum(), { numEnvs: 6, seed: 4, groupSize: 3, autoReset: false })
    const a = make()
    a.reset()
    a.setParams({ budget: 3 })
    a.step([DIGIT_SUM_EOS, 1, 2, 3, 4, 5])
    a.step([0, DIGIT_SUM_EOS, 2, 3, 4, 5])
    const b = make()
    b.restore(JSON.parse(JSON.stringify(a.state())))
    assert.deepStrictEqual(b.currentParams(), { lengthLimit: 8, budget: 3 })
    const finish = <S, P extends Readonly<Record<string, number>>>(env: VectorEnv<S, P>) => {
      const out = []
      for (let t = 0; t < 8 && !env.allDone(); t++) out.push(plain(env.step([9, 9, 9, DIGIT_SUM_EOS, 1, 9])))
      env.reset()
      out.push({ observation: Array.from(env.observation()) })
      return out
    }
    assert.deepStrictEqual(finish(b), finish(a))
  })

  it("draws categories by the weights it is given", () => {
    const env = new VectorEnv(digitSum({ maxTarget: 27 }), { numEnvs: 200, seed: 2 })
    assert.deepStrictEqual(env.spec.categories, ["1-9", "10-18", "19-27"])
    env.setCategoryWeights([0, 0, 1])
    env.reset()
    for (let i = 0; i < 200; i++) assert.isAtLeast(env.envState(i).target, 19)
    env.setCategoryWeights([1, 1, 0])
    env.reset()
    const t = Array.from({ length: 200 }, (_, i) => env.envState(i).target)
    assert.isTrue(t.every((x) => x <= 18))
    assert.isTrue(t.some((x) => x <= 9) && t.some((x) => x >= 10))
    const steps = env.step(new Array(200).fill(DIGIT_SUM_EOS))
    assert.isTrue(steps.episodes.every((e) => e.category === (e.info["target"]! <= 9 ? 0 : 1)))
  })

  it("rejects what it cannot run", () => {
    assert.throws(() => new VectorEnv(digitSum(), { numEnvs: 8, seed: 1, groupSize: 4 }), /autoReset = false/)
    assert.throws(() => new VectorEnv(digitSum(), { numEnvs: 6, seed: 1, groupSize: 4, autoReset: false }), /divide/)
    const env = new VectorEnv(cartpole(), { numEnvs: 2, seed: 1 })
    assert.throws(() => env.step([0, 1]), /before reset/)
    env.reset()
    assert.throws(() => env.step([0, 2]), /not in \[0, 2\)/)
    assert.throws(() => env.step([0]), /expected 2 actions/)
    const tokens = new VectorEnv(digitSum(), { numEnvs: 1, seed: 1 })
    assert.throws(() => tokens.setParams({ budget: Number.NaN }), /finite/)
    assert.throws(() => tokens.setParams({ nope: 1 } as never), /no parameter nope/)
    assert.throws(() => tokens.setCategoryWeights([1, 1]), /3 categories/)
    assert.throws(() => tokens.restore(env.state() as never), /saved state is for cartpole/)
  })
})
