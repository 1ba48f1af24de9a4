import { describe, expect, it } from "@effect/vitest"
import { compile, type EnvIR } from "@lrs/compiler"
import { rngFromState, seedState } from "../../src/data/random.ts"
import { envOf, promptSizeOf } from "../../src/rl/envOf.ts"
import type { BanditState } from "../../src/rl/env/bandit.ts"
import type { CopyReverseState } from "../../src/rl/env/copyReverse.ts"
import type { DigitSumState } from "../../src/rl/env/digitSum.ts"

const envIr = (data: string, model: string, algorithm: string): EnvIR => {
  const { ir, diagnostics } = compile(`lrs 1\nexperiment e {\n  steps = 1024\n  data = ${data}\n  model = ${model}\n  optimizer = adam(lr = 1e-3)\n  rl {\n    algorithm = ${algorithm}\n  }\n}\n`, { file: "e.lrs" })
  expect(diagnostics).toEqual([])
  return ir!.data as EnvIR
}

describe("the environments the language names", () => {
  it("a bandit run is one problem: every copy pulls the same q*, drawn from the run's seed", () => {
    const ir = envIr("bandit(arms = 5, copies = 4, mean = 1, std = 2, noise = 0)", "mlp(hidden = [8])", "reinforce()")
    const qs = [1, 2, 3].map((c) => (envOf(ir, 7).reset(rngFromState(seedState(c)), 0, undefined, {} as never) as BanditState).q)
    expect(qs[1]).toEqual(qs[0])
    expect(qs[2]).toEqual(qs[0])
    expect(qs[0]).toHaveLength(5)
    expect((envOf(ir, 8).reset(rngFromState(seedState(1)), 0, undefined, {} as never) as BanditState).q).not.toEqual(qs[0])
    // With no noise a pull pays q*(a) exactly.
    const spec = envOf(ir, 7)
    const step = spec.step({ q: qs[0]!, lastArm: -1, lastOptimal: 0 } as BanditState as never, 3, rngFromState(seedState(1)), {} as never)
    expect(step.reward).toBe(qs[0]![3])
  })

  it("a drifting bandit walks its q* with the run's seed, alike in every copy", () => {
    const ir = envIr("bandit(arms = 3, copies = 2, drift = 0.01)", "mlp(hidden = [8])", "reinforce()")
    expect(ir).toMatchObject({ kind: "bandit", drift: 0.01 })
    const spec = envOf(ir, 7)
    const walked = [1, 2].map((c) => {
      const rng = rngFromState(seedState(c))
      let state = spec.reset(rng, 0, undefined, {} as never) as BanditState
      for (let t = 0; t < 10; t++) state = spec.step(state as never, t % 3, rng, {} as never).state as BanditState
      return state.q
    })
    expect(walked[1]).toEqual(walked[0])
    expect(walked[0]).not.toEqual((spec.reset(rngFromState(seedState(1)), 0, undefined, {} as never) as BanditState).q)
    // A stationary testbed keeps its identity: no `drift` in its IR.
    expect(envIr("bandit(arms = 3, copies = 2)", "mlp(hidden = [8])", "reinforce()")).not.toHaveProperty("drift")
  })

  it("copy_reverse answers a string of min..max symbols; its prompt features are the one-hot string", () => {
    const ir = envIr("copy_reverse(prompts = 2, group = 2, mode = copy, alphabet = 3, min_length = 2, max_length = 4)", "gru()", "grpo()")
    const spec = envOf(ir, 1)
    expect(spec.categories).toEqual(["n=2", "n=3", "n=4"])
    expect(spec.actions).toBe(4)
    expect(promptSizeOf(ir, spec)).toBe(12)
    const s0 = spec.reset(rngFromState(seedState(2)), 1, undefined, spec.params as never) as CopyReverseState
    expect(s0.prompt).toHaveLength(3)
    let state: unknown = s0
    let reward = 0
    for (const token of [...s0.prompt, 3]) ({ state, reward } = spec.step(state as never, token, rngFromState(seedState(0)), spec.params as never))
    expect(reward).toBe(1)
  })

  it("digit_sum's min_target moves its targets and its bins of 9", () => {
    const ir = envIr("digit_sum(min_target = 19, max_target = 36, max_length = 6)", "gru()", "grpo()")
    const spec = envOf(ir, 1)
    expect(spec.categories).toEqual(["19-27", "28-36"])
    const targets = Array.from({ length: 200 }, (_, i) => (spec.reset(rngFromState(seedState(i)), i % 2, undefined, spec.params as never) as DigitSumState).target)
    expect(Math.min(...targets)).toBe(19)
    expect(Math.max(...targets)).toBe(36)
    expect(promptSizeOf(ir, spec)).toBe(36)
  })

  it("digit_sum's reflect and format_weight reach the env; their defaults stay out of the IR", () => {
    const ir = envIr("digit_sum(max_target = 9, max_length = 6, reflect = true, format_weight = 0)", "gru()", "grpo()")
    expect(ir).toMatchObject({ reflect: true, formatWeight: 0 })
    const spec = envOf(ir, 1)
    expect([spec.actions, spec.stepFeatures]).toEqual([12, 11])
    // A wrong answer that ends with EOS earns nothing without the format term.
    expect(spec.step({ target: 5, tokens: [4] } as never, 10, rngFromState(seedState(0)), spec.params as never).reward).toBe(0)
    const plain = envIr("digit_sum(max_target = 9, max_length = 6)", "gru()", "grpo()")
    expect(plain).not.toHaveProperty("reflect")
    expect(plain).not.toHaveProperty("formatWeight")
    expect(envOf(plain, 1).step({ target: 5, tokens: [4] } as never, 10, rngFromState(seedState(0)), envOf(plain, 1).params as never).reward).toBeCloseTo(0.2, 12)
  })
})
