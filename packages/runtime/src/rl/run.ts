import { isEnv, isTokenEnv, type RlIR, type RunIR } from "@lrs/compiler"
import { Clock, Effect } from "effect"
import { Backend } from "../backend/Backend.ts"
import { deriveSeed } from "../data/random.ts"
import { Reporter } from "../run/Reporter.ts"
import { Schedules } from "../run/parts.ts"
import { type RunDirectory, RunStore } from "../run/RunStore.ts"
import { TrainingError } from "../run/errors.ts"
import { runId } from "../run/identity.ts"
import { envOf, promptSizeOf } from "./envOf.ts"
import { VectorEnv } from "./env/vector.ts"
import { createLearner, disposeLearner, type Learner, type LearnerState, restoreLearner, saveLearner } from "./loop/learner.ts"
import { ppoIterationOf } from "./loop/ppo.ts"
import { reinforceIterationOf } from "./loop/reinforce.ts"
import { runAsync, runSync } from "../run/reading.ts"
import type { Summary } from "../run/train.ts"
import { type ControllersState, RlControllers } from "./controllers.ts"
import { grpoIterationOf } from "./loop/grpo.ts"
import { answerShares, groupSizeColumns } from "./loop/allocate.ts"
import { SecBandit, type SecState } from "./sec.ts"
import { CuresSampler, type CuresState } from "./cures.ts"
import { RlSignals, type RlSignalsState } from "./signals.ts"
import { AdaptiveReplay, type AdaptiveReplayState } from "./replay.ts"
import { SnrLearningRate, type SnrLearningRateState } from "./snr.ts"
import { type ActorCritic, createActorCritic } from "./policy/actorCritic.ts"
import { createSequencePolicy, type SequencePolicy } from "./policy/sequence.ts"

/** Episodes in the running mean the summary and `return` report (SB3's `ep_rew_mean`, the CartPole-v1 criterion). */
export const returnWindow = 100

/**
 * What a finished RL run reports: the `Summary` of a supervised run, its `steps` environment steps
 * and its `msPerStep` per environment step, `final.train` the last iteration's values, and RL's
 * counts under `rl`.
 */
export type RlSummary =
  & Pick<Summary, "experiment" | "id" | "status" | "stopReason" | "backend" | "backendReason" | "seed" | "steps" | "wallSeconds" | "msPerStep" | "plateaus" | "runDir">
  & {
    readonly nonfinite: 0
    readonly final: { readonly train: Readonly<Record<string, number>> }
    readonly rl: {
      readonly iterations: number
      readonly updates: number
      readonly episodes: number
      /** The env steps after which the mean return of the last 100 episodes was highest, and that mean. */
      readonly best: { readonly step: number; readonly return: number } | null
    }
  }

/** The rollout-selection controls a GRPO run uses, for its first lines. */
const grpoControlsLine = (a: Extract<RlIR["algorithm"], { kind: "grpo" }>): string =>
  [
    a.entropyTarget === undefined ? "" : ", Entrocraft's entropic weights (1 +- alpha, alpha moved by entropy - entropy_target)",
    a.dynamicSampling === undefined ? "" : `, DAPO's dynamic sampling (up to ${a.dynamicSampling.maxGenerations} batches an iteration)`,
    a.overlong === undefined ? "" : `, DAPO's overlong punishment (the last ${a.overlong.cache} tokens before the cap)`,
    a.downSample === undefined ? "" : ", D3S down-sampling",
    a.adora === undefined ? "" : `, ADORA's length-advantage weights (lambda ${a.adora.lambda})`,
    a.baseline === undefined ? "" : ", OBLR-PO's gradient-weighted baseline"
  ].join("")

/** The adaptive controls of a ppo or grpo run, for its first lines. */
const adaptiveLine = (a: RlIR["algorithm"]): string =>
  [
    a.kind === "ppo" && a.adaptiveReplay !== undefined ? `, epochs ${a.epochs} -> ${a.adaptiveReplay.high} once the FAU plateaus (adaptive replay ratio)` : "",
    a.kind !== "reinforce" && a.lrScale === "snr" ? ", lr times SNR / (1 + SNR) (OBLR-PO)" : ""
  ].join("")

/** What a checkpoint holds: the learner, the episode window, and the run's counters. */
interface RlCheckpoint {
  readonly learner: LearnerState<unknown, Readonly<Record<string, number>>>
  readonly window: ReadonlyArray<number>
  readonly lengths: ReadonlyArray<number>
  readonly episodes: number
  readonly best: RlSummary["rl"]["best"]
  readonly controllers?: ControllersState
  readonly sec?: SecState
  readonly cures?: CuresState
  readonly signals?: RlSignalsState
  readonly snr?: SnrLearningRateState
  readonly replay?: AdaptiveReplayState
}

/** JSON with typed arrays written as plain arrays and read back as Float32Arrays where the learner expects them. */
const encode = (value: unknown): string =>
  JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? { $f32: Array.from(v as Float32Array) } : v))
const decode = (text: string): unknown =>
  JSON.parse(text, (_k, v) => (v !== null && typeof v === "object" && Array.isArray((v as { $f32?: unknown }).$f32) ? Float32Array.from((v as { $f32: Array<number> }).$f32) : v))

/** A checkpoint's folder, named by the run's clock (env steps, or iterations with `steps = N iterations`). */
const folderOf = (step: number) => `checkpoints/step-${String(step).padStart(8, "0")}`

/** The newest checkpoint of an RL run, or undefined before the first. */
const latestCheckpoint = Effect.fnUntraced(function*(dir: RunDirectory) {
  const folders = (yield* dir.list("checkpoints").pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))).filter((n) => /^step-\d{8}$/.test(n)).sort()
  for (const folder of [...folders].reverse()) {
    const text = yield* dir.readText(`checkpoints/${folder}/rl.json`).pipe(Effect.option)
    if (text._tag === "Some") return { step: Number(folder.slice(5)), state: decode(text.value) as RlCheckpoint }
  }
  return undefined
})

/** Keeps the metrics rows up to a checkpoint (dropping a torn last line), as the supervised resume does. */
const keepRowsUpTo = Effect.fnUntraced(function*(dir: RunDirectory, step: number) {
  const text = yield* dir.readText("metrics.jsonl").pipe(Effect.orElseSucceed(() => ""))
  const kept = text.split("\n").filter((line) => {
    try {
      return line.trim() !== "" && (JSON.parse(line) as { step: number }).step <= step
    } catch {
      return false
    }
  })
  yield* dir.write("metrics.jsonl.partial", kept.map((l) => l + "\n").join(""))
  yield* dir.rename("metrics.jsonl.partial", "metrics.jsonl")
})

/**
 * Runs an RL experiment: iterations of the IR's algorithm (rollouts from `copies` seeded
 * environment copies, then updates) until the budget is spent. The run's clock is env steps, or
 * iterations when the spec counts it so (`rl.clock`); every scheduled value (lr, clip, entropy and
 * value coefficients) is read once per iteration, before its rollout, at the clock's count so far
 * (CleanRL's annealing). A row `{"kind":"train","step":clock,...}` per
 * iteration that crosses a multiple of `log every`; checkpoints (`rl.json`: env, policy, Adam,
 * random streams, clock, episode window) at multiples of `checkpoint every` and at the end.
 */
export const trainRl = Effect.fn("lrs.trainRl")(function*(request: { readonly ir: RunIR; readonly spec?: string; readonly resolved?: string; readonly destination?: { readonly root: string } | { readonly out: string }; readonly runDir?: string }) {
  const { ir } = request
  const rl = ir.rl as RlIR
  if (!isEnv(ir.data)) return yield* Effect.die(new Error("trainRl needs an environment as data"))
  const env = ir.data
  const backend = yield* Backend
  const store = yield* RunStore
  const reporter = yield* Reporter
  const schedules = yield* Schedules
  const id = runId(ir)
  let dir: RunDirectory
  let resumed: { step: number; state: RlCheckpoint } | undefined
  const iterationClock = rl.clock === "iterations"
  const unit = iterationClock ? "iterations" : "env steps"
  if (request.runDir !== undefined) {
    dir = yield* store.reopen(request.runDir)
    resumed = yield* latestCheckpoint(dir)
    yield* keepRowsUpTo(dir, resumed?.step ?? 0)
    yield* reporter.line(`resuming ${dir.path} ${resumed === undefined ? "from the start (no checkpoint yet)" : `from the checkpoint after ${resumed.step} ${unit}`}`)
  } else {
    const destination = request.destination!
    dir = yield* store.create("out" in destination ? destination : { root: destination.root, name: `${ir.experiment}-${id}` })
    yield* dir.write("spec.lrs", request.spec ?? "")
    yield* dir.write("resolved.lrs", request.resolved ?? "")
    yield* dir.write("ir.json", JSON.stringify(ir, null, 2) + "\n")
    yield* dir.write("run.json", JSON.stringify({ data: {} }, null, 2) + "\n")
  }
  yield* dir.lock
  const metrics = yield* dir.openMetrics
  yield* reporter.line(`backend: ${backend.name} (${backend.reason})`)
  yield* reporter.line(`run: ${dir.path}`)
  const a = rl.algorithm
  const allocation = rl.curriculum?.kind === "cures" ? rl.curriculum.allocation : undefined
  yield* reporter.line(
    `rl: ${
      a.kind === "ppo"
        ? `PPO (CleanRL ppo.py), rollouts of ${env.copies} x ${a.rollout}, ${a.epochs} epochs x ${a.minibatches} minibatches`
        : a.kind === "grpo"
        ? `GRPO (TRL's loss, ${a.normalization} normalisation, advantages scaled by ${a.scale === "none" ? "nothing (Dr. GRPO)" : `the ${a.scale} std`}), ${isTokenEnv(env) ? `${env.prompts} prompts x ${rl.groupSize === undefined ? env.group : "group_size"} answers` : `${env.copies} answers`}${allocation === undefined ? "" : ` (CurES's allocation: ${allocation.min} probes, ${allocation.min}..${allocation.max} a prompt)`} per iteration, ${a.epochs} epochs x ${a.minibatches} minibatches${grpoControlsLine(a)}`
        : `REINFORCE, an episode per copy (${env.copies}) per update, baseline ${a.baseline}`
    }${adaptiveLine(a)} on ${env.kind}; schedules read before each rollout at the env steps so far`
  )

  const spec = envOf(env, ir.seed)
  const adam = ir.optimizer.kind === "adam"
    ? { beta1: ir.optimizer.beta1.kind === "constant" ? ir.optimizer.beta1.value : 0.9, beta2: ir.optimizer.beta2.kind === "constant" ? ir.optimizer.beta2.value : 0.999, epsilon: ir.optimizer.epsilon, project: ir.optimizer.project === true }
    : {}
  // A token task's answers come in groups of the same prompt (GRPO), generated until all are done;
  // each group has room for the most answers a prompt can get (CurES's allocation may give more than `group`).
  const capacity = isTokenEnv(env) ? Math.max(env.group, allocation?.max ?? 0) : 1
  const vector = new VectorEnv(spec, {
    numEnvs: isTokenEnv(env) ? env.prompts * capacity : env.copies,
    seed: deriveSeed(ir.seed, "rl/env"),
    autoReset: a.kind === "ppo",
    ...(isTokenEnv(env) ? { groupSize: capacity } : {})
  })
  const policySeed = deriveSeed(ir.seed, "rl/policy")
  const sequenceOf = () =>
    createSequencePolicy({ promptSize: promptSizeOf(env, spec), vocab: spec.actions, hidden: ir.model.kind === "gru" ? ir.model.hidden : 64, embedding: ir.model.kind === "gru" ? ir.model.embedding : 16, features: spec.stepFeatures ?? 0, seed: policySeed })
  const learner: Learner<unknown, Readonly<Record<string, number>>, ActorCritic | SequencePolicy> = yield* Effect.acquireRelease(
    Effect.sync(() =>
      createLearner<unknown, Readonly<Record<string, number>>, ActorCritic | SequencePolicy>({
        env: vector,
        policy: ir.model.kind === "gru"
          ? sequenceOf()
          : createActorCritic({
            observationSize: spec.observationSize,
            actions: spec.actions,
            hidden: ir.model.kind === "mlp" ? ir.model.hidden : [64, 64],
            activation: ir.model.kind === "mlp" && ir.model.activation === "relu" ? "relu" : "tanh",
            shared: rl.shared,
            layerNorm: ir.model.kind === "mlp" && ir.model.layerNorm,
            seed: policySeed
          }),
        seed: ir.seed,
        adam
      })
    ),
    (l) => Effect.sync(() => disposeLearner(l))
  )
  const controllers = a.kind === "grpo" ? new RlControllers(a.beta, a.entropy, a.entropyTarget) : undefined
  const sec = rl.curriculum?.kind === "sec" ? new SecBandit(spec.categories.length, rl.curriculum.lr) : undefined
  const cures = rl.curriculum?.kind === "cures" ? new CuresSampler(spec.categories.length) : undefined
  // GRPO's KL is to the initial policy (TRL's reference model): the same seed draws the same weights.
  const reference = a.kind === "grpo" && !(a.beta.kind === "constant" && a.beta.value === 0)
    ? yield* Effect.acquireRelease(Effect.sync(sequenceOf), (p) => Effect.sync(() => p.dispose()))
    : undefined
  // OBLR-PO's lr factor and the FAU-driven replay ratio: closed loops whose state is checkpointed.
  const snrLr = a.kind !== "reinforce" && a.lrScale === "snr" ? new SnrLearningRate() : undefined
  const replay = a.kind === "ppo" && a.adaptiveReplay !== undefined ? new AdaptiveReplay({ low: a.epochs, ...a.adaptiveReplay }) : undefined
  let window: Array<number> = []
  let lengths: Array<number> = []
  let episodes = 0
  let best: RlSummary["rl"]["best"] = null
  // `train.*` signals: what `until`, `plateau` schedules and `log [...]` read.
  const signals = new RlSignals(ir)
  let stopReason: string | undefined
  if (resumed !== undefined) {
    restoreLearner(learner, resumed.state.learner)
    window = [...resumed.state.window]
    lengths = [...resumed.state.lengths]
    episodes = resumed.state.episodes
    best = resumed.state.best
    if (resumed.state.controllers !== undefined) controllers?.restore(resumed.state.controllers)
    if (resumed.state.sec !== undefined) sec?.restore(resumed.state.sec)
    if (resumed.state.cures !== undefined) cures?.restore(resumed.state.cures)
    if (resumed.state.signals !== undefined) signals.restore(resumed.state.signals)
    if (resumed.state.snr !== undefined) snrLr?.restore(resumed.state.snr)
    if (resumed.state.replay !== undefined) replay?.restore(resumed.state.replay)
  }
  const read = (s: Parameters<typeof schedules.evaluate>[0], t: number) => schedules.evaluate(s, t, signals.adaptive)
  const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? Number.NaN : xs.reduce((p, x) => p + x, 0) / xs.length)
  const started = yield* Clock.currentTimeMillis
  /** The run's clock: what `steps`, every schedule, `log every` and `checkpoint every` count. */
  const now = () => (iterationClock ? learner.clock.iterations : learner.clock.envSteps)
  const startSteps = now()
  let nextReport = startSteps + ir.steps / 10
  const crossed = (before: number, after: number, every: number) => Math.floor(before / every) !== Math.floor(after / every)
  /** One iteration of the algorithm at env step `t`, its scheduled values recorded into `values` (a Reading: awaited on a GPU). */
  const iterate = function*(t: number, lr: number, values: Record<string, number>) {
    // A token task's budget and length cap, set before the rollout like every scheduled value.
    const params: Record<string, number> = {}
    if (rl.budget !== undefined) params["budget"] = read(rl.budget, t)
    if (rl.lengthLimit !== undefined) params["lengthLimit"] = Math.round(read(rl.lengthLimit, t))
    if (Object.keys(params).length > 0) {
      learner.env.setParams(params)
      if (params["budget"] !== undefined) values["budget_value"] = params["budget"]
      if (params["lengthLimit"] !== undefined) values["length_limit"] = params["lengthLimit"]
    }
    if (a.kind === "reinforce") {
      // Episodes of an env without a time limit are capped at 1,000 steps.
      const s = yield* reinforceIterationOf(learner as Learner<unknown, Readonly<Record<string, number>>, ActorCritic>, { gamma: a.gamma, lr, baseline: a.baseline, maxSteps: spec.maxEpisodeSteps ?? 1000 })
      return { ...s, extra: env.kind === "bandit" ? { optimal_action: s.optimalAction } : {} }
    }
    // The SNR factor this iteration uses (the previous iteration's estimate), recorded beside the lr.
    const lrScale = snrLr?.scale ?? 1
    if (snrLr !== undefined) values["lr_scale"] = lrScale
    if (sec !== undefined && rl.curriculum?.kind === "sec") {
      // SEC: the next prompts' categories drawn from the bandit's current Boltzmann probabilities.
      const p = sec.probabilities(read(rl.curriculum.temperature, t))
      learner.env.setCategoryWeights(p)
      p.forEach((x, c) => (values[`p${c}`] = x))
      sec.qValues.forEach((q, c) => (values[`q${c}`] = q))
    }
    if (cures !== undefined && rl.curriculum?.kind === "cures") {
      // CurES: the categories drawn by their posterior accuracy's sqrt(p (1 - p)).
      const temperature = rl.curriculum.temperature
      const p = cures.probabilities(temperature === "released" ? "released" : read(temperature, t))
      learner.env.setCategoryWeights(p)
      p.forEach((x, c) => (values[`p${c}`] = x))
      cures.accuracies.forEach((a, c) => (values[`a${c}`] = a))
    }
    if (a.kind === "grpo") {
      // Answers per prompt: the scheduled size, else `group` (the mean the allocation aims at, if any).
      const groupSize = rl.groupSize === undefined ? (isTokenEnv(env) ? env.group : capacity) : Math.round(read(rl.groupSize, t))
      if (rl.groupSize !== undefined) values["group_size"] = groupSize
      const g = { clip: read(a.clip, t), clip_high: read(a.clipHigh, t), beta: controllers!.beta(read, t), temperature: read(a.temperature, t), entropy_coef: controllers!.entropy(read, t) }
      Object.assign(values, g)
      const band = a.entropyBand === undefined ? undefined : { low: read(a.entropyBand.low, t), high: read(a.entropyBand.high, t) }
      if (band !== undefined) Object.assign(values, { entropy_low: band.low, entropy_high: band.high })
      // Entrocraft's `entropic`: the target read before the rollout, α as the last iteration left it.
      const entropic = controllers!.entropic(read, t)
      if (entropic !== undefined) values["entropy_target"] = entropic.target
      const keep = a.downSample === undefined ? undefined : { answers: read(a.downSample.answers, t), tokens: read(a.downSample.tokens, t) }
      if (keep !== undefined) Object.assign(values, { keep_answers: keep.answers, keep_tokens: keep.tokens })
      // DAPO's punishment counts back from the cap the answers have now (verl's max_response_length).
      const cap = params["lengthLimit"] ?? (env.kind === "digit_sum" ? env.maxLength : env.kind === "copy_reverse" ? env.maxLength + 1 : Number.POSITIVE_INFINITY)
      const s = yield* grpoIterationOf(learner as Learner<unknown, Readonly<Record<string, number>>, SequencePolicy>, {
        lr,
        epsilonLow: g.clip,
        epsilonHigh: g.clip_high,
        beta: g.beta,
        scaleRewards: a.scale,
        normalization: a.normalization,
        epochs: a.epochs,
        minibatches: a.minibatches,
        temperature: g.temperature,
        entropyCoef: g.entropy_coef,
        maxGradNorm: a.maxGradNorm > 0 ? a.maxGradNorm : undefined,
        ...(band === undefined ? {} : { entropyBand: band }),
        ...(entropic === undefined ? {} : { entropic }),
        ...(a.dynamicSampling === undefined ? {} : { dynamicSampling: a.dynamicSampling }),
        ...(a.overlong === undefined ? {} : { overlong: { maxLength: cap, cache: a.overlong.cache, factor: a.overlong.penalty } }),
        ...(keep === undefined ? {} : { downSample: keep }),
        ...(a.adora === undefined ? {} : { adora: a.adora.lambda }),
        ...(a.baseline === undefined ? {} : { weightedBaseline: true }),
        ...(snrLr === undefined ? {} : { lrScale, snr: true }),
        groupSize,
        ...(allocation === undefined ? {} : { allocation })
      }, reference)
      controllers!.observe({ kl: s.kl, entropy: s.entropy, answers: s.answers, entropyAlpha: s.entropyAlpha })
      snrLr?.observe(s.snr)
      sec?.update(s.categoryAdvantage)
      cures?.observe(s.categoryCounts)
      return {
        ...s,
        policyLoss: s.loss,
        valueLoss: Number.NaN,
        explainedVariance: Number.NaN,
        extra: {
          accuracy: s.accuracy,
          answer_length: s.length,
          ...(env.kind === "digit_sum" && env.reflect === true ? { checks: s.checks } : {}),
          truncated: s.truncation,
          zero_variance_groups: s.zeroVarianceGroups,
          kl: s.kl,
          clip_fraction: s.clipFraction,
          ...(band === undefined ? {} : { band: s.band }),
          ...(entropic === undefined ? {} : { entropy_alpha: s.entropyAlpha }),
          ...(a.dynamicSampling === undefined ? {} : { generations: s.generations, dropped_groups: s.droppedGroups }),
          ...(a.overlong === undefined ? {} : { overlong_penalty: s.overlongPenalty }),
          ...(keep === undefined ? {} : { trained_answers: s.trainedAnswers, trained_tokens: s.trainedTokens }),
          ...(a.adora === undefined ? {} : { adora_down: s.adoraDown }),
          ...(a.baseline === undefined ? {} : { baseline_shift: s.baselineShift }),
          ...(snrLr === undefined ? {} : { snr: s.snr }),
          ...(allocation === undefined ? {} : groupSizeColumns(s)),
          ...(rl.curriculum === undefined ? {} : answerShares(s.categoryCounts)),
          // A curriculum's draws skew `accuracy`; each category's share of right answers does not (absent where none was drawn).
          ...(rl.curriculum === undefined ? {} : Object.fromEntries(s.categoryCounts.flatMap((c, k) => (c.all === 0 ? [] : [[`c${k}`, c.correct / c.all]]))))
        }
      }
    }
    const clip = read(a.clip, t)
    const entropy = read(a.entropy, t)
    const value = read(a.value, t)
    Object.assign(values, { clip, entropy_coef: entropy, value_coef: value })
    const s = yield* ppoIterationOf(learner as Learner<unknown, Readonly<Record<string, number>>, ActorCritic>, {
      steps: a.rollout,
      epochs: replay?.epochs ?? a.epochs,
      minibatches: a.minibatches,
      gamma: a.gamma,
      lambda: a.lambda,
      lr,
      clip,
      valueClip: a.valueClip ? clip : undefined,
      entropyCoef: entropy,
      valueCoef: value,
      maxGradNorm: a.maxGradNorm > 0 ? a.maxGradNorm : undefined,
      targetKl: a.targetKl > 0 ? a.targetKl : undefined,
      truncation: a.truncation,
      normalizeAdvantage: a.normalizeAdvantage,
      fau: true,
      ...(snrLr === undefined ? {} : { lrScale, snr: true })
    })
    replay?.observe(s.fau)
    snrLr?.observe(s.snr)
    return {
      ...s,
      extra: {
        approx_kl: s.approxKl,
        clip_fraction: s.clipFraction,
        epochs: s.epochs,
        fau: s.fau,
        ...(snrLr === undefined ? {} : { snr: s.snr }),
        ...(env.kind === "bandit" ? { optimal_action: s.optimalAction } : {})
      }
    }
  }
  while (now() < ir.steps && stopReason === undefined) {
    const t = now()
    const lr = read(ir.optimizer.lr, t)
    const values: Record<string, number> = { lr }
    // A failure inside the loop (a non-finite loss, a policy the env rejects) is blamed on the rl block.
    const failed = (e: unknown) =>
      new TrainingError({ message: `the ${a.kind} iteration at ${iterationClock ? "iteration" : "env step"} ${t} failed: ${e instanceof Error ? e.message : String(e)}`, help: "check the algorithm's settings and the lr (a non-finite loss usually means the lr is too high)", span: rl.span })
    const stats = backend.gpu
      ? yield* Effect.tryPromise({ try: () => runAsync(iterate(t, lr, values)), catch: failed })
      : yield* Effect.try({ try: () => runSync(iterate(t, lr, values)), catch: failed })
    episodes += stats.episodes
    window = [...window, ...stats.returns].slice(-returnWindow)
    lengths = [...lengths, ...stats.lengths].slice(-returnWindow)
    const after = now()
    const windowMean = mean(window)
    if (window.length > 0 && (best === null || windowMean > best.return)) best = { step: after, return: windowMean }
    const finite = (x: number) => (Number.isFinite(x) ? x : null)
    const row = {
      kind: "train",
      step: after,
      iteration: learner.clock.iterations,
      updates: learner.clock.updates,
      ...(iterationClock ? { env_steps: learner.clock.envSteps } : {}),
      return: finite(windowMean),
      episode_return: finite(stats.meanReturn),
      episode_length: finite(mean(lengths)),
      episodes,
      loss: finite(stats.policyLoss),
      value_loss: finite(stats.valueLoss),
      entropy: finite(stats.entropy),
      explained_variance: finite(stats.explainedVariance),
      grad_norm: finite(stats.gradNorm),
      ...stats.extra,
      ...values
    }
    signals.observe(row, after)
    const until = signals.stopped()
    if (until !== undefined) stopReason = `${until} after ${after} ${unit}`
    if (crossed(t, after, ir.log.every) || after >= ir.steps || stopReason !== undefined) yield* metrics.append({ ...row, ...signals.columns() })
    if (after >= nextReport || after >= ir.steps) {
      nextReport += ir.steps / 10
      yield* reporter.line(`${unit} ${after}/${ir.steps}  return ${windowMean.toFixed(1)} (last ${window.length} episodes)  lr ${lr.toExponential(2)}`)
    }
    if (ir.checkpoint !== undefined && (crossed(t, after, ir.checkpoint.every) || after >= ir.steps || stopReason !== undefined)) {
      const state: RlCheckpoint = {
        learner: yield* Effect.promise(() => saveLearner(learner)),
        window,
        lengths,
        episodes,
        best,
        ...(controllers === undefined ? {} : { controllers: controllers.state() }),
        ...(sec === undefined ? {} : { sec: sec.state() }),
        ...(cures === undefined ? {} : { cures: cures.state() }),
        signals: signals.state(),
        ...(snrLr === undefined ? {} : { snr: snrLr.state() }),
        ...(replay === undefined ? {} : { replay: replay.state() })
      }
      // Written aside and renamed into place, as the supervised checkpoints: all of it or none.
      const aside = `checkpoints/.partial-step-${String(after).padStart(8, "0")}`
      yield* dir.write(`${aside}/rl.json`, encode(state))
      yield* dir.rename(aside, folderOf(after))
    }
  }
  yield* reporter.done
  if (stopReason !== undefined) yield* reporter.line(`stopped early: ${stopReason}`)
  const wallMs = (yield* Clock.currentTimeMillis) - started
  const summary: RlSummary = {
    experiment: ir.experiment,
    id,
    status: stopReason === undefined ? "completed" : "stopped",
    ...(stopReason === undefined ? {} : { stopReason }),
    backend: backend.name,
    backendReason: backend.reason,
    seed: ir.seed,
    steps: now(),
    nonfinite: 0,
    wallSeconds: wallMs / 1000,
    msPerStep: wallMs / Math.max(now() - startSteps, 1),
    final: { train: { return: mean(window), episode_length: mean(lengths), episodes } },
    rl: { iterations: learner.clock.iterations, updates: learner.clock.updates, episodes, best },
    ...(signals.reductions() === undefined ? {} : { plateaus: signals.reductions()! }),
    runDir: dir.path
  }
  yield* dir.write("summary.json", JSON.stringify(summary, null, 2) + "\n")
  return summary
}, Effect.scoped)
