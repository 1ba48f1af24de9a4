import { assert, describe, it } from "@effect/vitest"
import { DOWN, FROZEN_LAKE_MAPS, frozenLake, frozenLakeTransitions, LEFT, RIGHT, UP } from "../../../src/rl/env/frozenLake.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"

const map4 = FROZEN_LAKE_MAPS["4x4"] // SFFF / FHFH / FFFH / HFFG
const third = 1 / 3

describe("frozen_lake", () => {
  it("builds Gymnasium's transition table: moves (a − 1) mod 4, a, (a + 1) mod 4, 1/3 each", () => {
    const P = frozenLakeTransitions(map4, true)
    // Cell 0 (top-left), LEFT (0): UP (3, stays), LEFT (stays), DOWN (1, cell 4).
    assert.deepStrictEqual(P[0]![LEFT], [[third, 0, 0, false], [third, 0, 0, false], [third, 4, 0, false]])
    // Cell 0, DOWN: LEFT (stays), DOWN (4), RIGHT (1).
    assert.deepStrictEqual(P[0]![DOWN], [[third, 0, 0, false], [third, 4, 0, false], [third, 1, 0, false]])
    // Cell 14 (row 3, col 2), RIGHT (2): DOWN (1, wall: stays), RIGHT (15 = goal: reward 1, terminal), UP (3, cell 10).
    assert.deepStrictEqual(P[14]![RIGHT], [[third, 14, 0, false], [third, 15, 1, true], [third, 10, 0, false]])
    // Cell 1, DOWN lands in the hole at 5 a third of the time.
    assert.deepStrictEqual(P[1]![DOWN], [[third, 0, 0, false], [third, 5, 0, true], [third, 2, 0, false]])
    // Holes and the goal are absorbing.
    for (const s of [5, 7, 11, 12, 15]) for (const a of [LEFT, DOWN, RIGHT, UP]) assert.deepStrictEqual(P[s]![a], [[1, s, 0, true]])
    // Not slippery: one outcome with probability 1.
    assert.deepStrictEqual(frozenLakeTransitions(map4, false)[1]![DOWN], [[1, 5, 0, true]])
    // success_rate: the intended move gets it, each perpendicular half the rest.
    assert.deepStrictEqual(frozenLakeTransitions(map4, true, 0.8)[0]![DOWN]!.map((o) => o[0]), [(1 - 0.8) / 2, 0.8, (1 - 0.8) / 2])
  })

  it("walks the safe path to the goal when not slippery", () => {
    const env = new VectorEnv(frozenLake({ slippery: false }), { numEnvs: 1, seed: 0 })
    const obs = env.reset()
    assert.strictEqual(obs.length, 16)
    assert.strictEqual(obs[0], 1)
    const path = [DOWN, DOWN, RIGHT, RIGHT, DOWN, RIGHT] // 0 → 4 → 8 → 9 → 10 → 14 → 15
    const cells = [4, 8, 9, 10, 14, 15]
    path.forEach((a, t) => {
      const step = env.step([a])
      assert.strictEqual(step.finalObservation.indexOf(1), cells[t])
      assert.strictEqual(step.reward[0], t === 5 ? 1 : 0)
      assert.strictEqual(step.terminated[0], t === 5 ? 1 : 0)
    })
  })

  it("slips to each of the three outcomes about a third of the time", () => {
    const n = 6000
    const env = new VectorEnv(frozenLake(), { numEnvs: n, seed: 12 })
    env.reset()
    const step = env.step(new Array(n).fill(DOWN))
    const counts = new Map<number, number>()
    for (let i = 0; i < n; i++) {
      const cell = step.finalObservation.subarray(i * 16, (i + 1) * 16).indexOf(1)
      counts.set(cell, (counts.get(cell) ?? 0) + 1)
    }
    assert.deepStrictEqual([...counts.keys()].sort(), [0, 1, 4])
    for (const c of counts.values()) assert.isBelow(Math.abs(c / n - third), 0.025) // standard error 0.006
  })

  it("falls into holes (terminated, reward 0) and truncates after 100 steps (8x8: 200)", () => {
    const hole = new VectorEnv(frozenLake({ slippery: false }), { numEnvs: 1, seed: 0 })
    hole.reset()
    hole.step([RIGHT])
    const fall = hole.step([DOWN]) // 1 → 5 (H)
    assert.deepStrictEqual([fall.terminated[0], fall.truncated[0], fall.reward[0]], [1, 0, 0])
    const stuck = new VectorEnv(frozenLake({ slippery: false }), { numEnvs: 1, seed: 0 })
    stuck.reset()
    for (let t = 1; t <= 100; t++) {
      const s = stuck.step([LEFT]) // against the wall: never moves
      assert.strictEqual(s.truncated[0], t === 100 ? 1 : 0)
      assert.strictEqual(s.terminated[0], 0)
    }
    const big = frozenLake({ map: "8x8" })
    assert.deepStrictEqual([big.maxEpisodeSteps, big.observationSize], [200, 64])
    assert.throws(() => frozenLake({ map: ["SFX"] }), /S, F, H, G/)
  })
})
