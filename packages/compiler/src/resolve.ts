import { formatSpan } from "@lrs/dsl"
import type { Origin } from "./check/Context.ts"
import type { Origins } from "./check/experiment.ts"
import type { AdaptiveEntropyIR, AdaptiveKlIR, AverageIR, ConditionIR, CurriculumIR, EnsembleIR, OptimizerIR, RlIR, RunIR, ScheduleIR, StreamIR } from "./ir/Ir.ts"
import { printSignal } from "./check/signals.ts"

/** A number as the language writes it (the shortest form that reads back to the same double). */
const num = (v: number): string => String(v)

const steps = (n: number): string => `${n} steps`

/**
 * A schedule as `.lrs` text in the native library, every length explicit; compiling it back over
 * the same span gives the same IR (tested on every conformance case).
 */
export const printSchedule = (s: ScheduleIR, span: number): string => {
  switch (s.kind) {
    case "constant":
      return num(s.value)
    case "curve": {
      // Options equal to the shape's default are not stored, so whatever is there is printed.
      const options = Object.entries(s.options).map(([k, v]) => `, ${k} = ${num(v)}`).join("")
      const over = s.steps === span ? "" : `, over = ${steps(s.steps)}`
      return `${s.shape}(${num(s.from)} -> ${num(s.to)}${options}${over}${s.continues ? ", past_end = continue" : ""})`
    }
    case "geometric":
      return `step(${num(s.value)}, factor = ${num(s.rate)}, every = ${steps(s.every)})`
    case "power":
      return `power_law(max = ${num(s.max)}, coefficient = ${num(s.coefficient)}, exponent = ${num(s.exponent)}, tokens_per_step = ${num(s.tokensPerStep)}${s.offset === 0 ? "" : `, offset = ${steps(s.offset)}`})`
    case "inverse_sqrt":
      return `inverse_sqrt(${num(s.value)}, timescale = ${steps(s.timescale)})`
    case "piecewise":
      return `piecewise(at = [${s.at.map(steps).join(", ")}], values = [${s.values.map(num).join(", ")}]${s.interpolate === "constant" ? "" : `, interpolate = ${s.interpolate}`})`
    case "cyclic":
      return `cyclic(${num(s.low)} -> ${num(s.high)}, up = ${steps(s.up)}, down = ${steps(s.down)}${s.mode === "triangular" ? "" : `, mode = ${s.mode}`}${s.gamma === 1 ? "" : `, gamma = ${num(s.gamma)}`}${s.offset === 0 ? "" : `, offset = ${steps(s.offset)}`})`
    case "repeat":
      return `repeat(${printSchedule(s.schedule, s.period)}, period = ${steps(s.period)}${s.multiplier === 1 ? "" : `, multiplier = ${num(s.multiplier)}`}${s.decay === 1 ? "" : `, decay = ${num(s.decay)}`})`
    case "sampled":
      return `sampled(${printSchedule(s.schedule, span)}, every = ${steps(s.every)})`
    case "sequence": {
      const first = s.segments[0]!.start
      if (first !== 0) {
        // A sequence that starts off zero is a shifted one (PyTorch's OneCycleLR phases begin at float steps).
        const rebased: ScheduleIR = { ...s, segments: s.segments.map((seg) => ({ ...seg, start: seg.start - first })) }
        return `shift(${printSchedule(rebased, span - first)}, by = ${steps(first)})`
      }
      return s.segments.map((seg, i) => {
        const next = s.segments[i + 1]
        const length = next === undefined ? span - seg.start : next.start - seg.start
        const body = printSchedule(seg.schedule, length)
        // A body with `then` or an operator of its own is parenthesized before this segment's `for`.
        const own = seg.schedule.kind === "sequence" || seg.schedule.kind === "binary"
        const wrapped = own ? `(${body})` : body
        return next === undefined ? wrapped : `${wrapped} for ${steps(length)}`
      }).join(" then ")
    }
    case "binary": {
      if (s.op === "min" || s.op === "max") return `${s.op}(${printSchedule(s.left, span)}, ${printSchedule(s.right, span)})`
      // Parentheses only where precedence needs them: a sequence, or a looser operator (or an equal one on the right).
      const level = (op: string) => (op === "+" || op === "-" ? 1 : op === "*" || op === "/" ? 2 : 3)
      const side = (c: ScheduleIR, right: boolean): string => {
        const text = printSchedule(c, span)
        const loose = c.kind === "sequence" || (c.kind === "binary" && (level(c.op) < level(s.op) || (right && level(c.op) === level(s.op))))
        return loose ? `(${text})` : text
      }
      return `${side(s.left, false)} ${s.op} ${side(s.right, true)}`
    }
    case "plateau":
      return `plateau(${printSchedule(s.schedule, span)}, on = ${printSignal(s.signal)}, mode = ${s.mode}, factor = ${num(s.factor)}, patience = ${s.patience}, threshold = ${num(s.threshold)}, threshold_mode = ${s.thresholdMode}, cooldown = ${s.cooldown}, min = ${num(s.min)}, eps = ${num(s.eps)})`
    case "stages":
      return `stages(count = ${s.count}, on = ${printSignal(s.signal)}, patience = ${s.patience}, threshold = ${num(s.threshold)}${s.max === undefined ? "" : `, max = ${steps(s.max)}`})`
    case "root":
      return `root(start = ${num(s.start)}, power = ${num(s.power)}${s.steps === span ? "" : `, over = ${steps(s.steps)}`})`
    case "autolrs":
      return `autolrs(min = ${num(s.min)}, max = ${num(s.max)}, every = ${steps(s.every)}, trial = ${steps(s.trial)}, trials = ${s.trials})`
    case "negate":
      return s.operand.kind === "constant" || s.operand.kind === "curve" ? `-${printSchedule(s.operand, span)}` : `-(${printSchedule(s.operand, span)})`
  }
}

const optimizerText = (o: OptimizerIR, steps: number): string => {
  const h = (s: ScheduleIR) => printSchedule(s, steps)
  const clip = (o.clipNorm === undefined ? "" : `, clip_norm = ${num(o.clipNorm)}`) + (o.project === true ? ", project = true" : "")
  if (o.kind === "classp") return `classp(lr = ${h(o.lr)}, threshold = ${num(o.threshold)}, epsilon = ${num(o.epsilon)}, power = ${num(o.power)}, scaling = ${o.scaling}${clip})`
  return o.kind === "sgd"
    ? `sgd(lr = ${h(o.lr)}, momentum = ${h(o.momentum)}, dampening = ${num(o.dampening)}, nesterov = ${o.nesterov}, weight_decay = ${h(o.weightDecay)}${clip})`
    : `${o.kind}(lr = ${h(o.lr)}, beta1 = ${h(o.beta1)}, beta2 = ${h(o.beta2)}, epsilon = ${num(o.epsilon)}, weight_decay = ${h(o.weightDecay)}${clip})`
}

const originText = (o: Origin | undefined): string =>
  o === undefined || o.kind === "default" ? "default" : o.kind === "override" ? "--set" : o.kind === "sweep" ? `sweep, ${formatSpan(o.span)}` : formatSpan(o.span)

const averageText = (a: AverageIR): string => (a.kind === "ema" ? `ema(${num(a.decay)})` : `last(${a.count}, every = ${steps(a.every)})`)

const ensembleText = (e: EnsembleIR): string =>
  `hdet(replicas = ${e.replicas}, spread = ${num(e.spread)}, average_every = ${steps(e.averageEvery)}, meta_from = ${steps(e.metaFrom)}, meta_lr = ${num(e.metaLr)}, momentum = ${num(e.momentum)}, temperature = ${num(e.temperature)}, explore = [${e.explore.join(", ")}])`

const timingText = (t: NonNullable<NonNullable<StreamIR["replay"]>["timing"]>): string =>
  t.kind === "power_law"
    ? `power_law(alpha = ${num(t.alpha)})`
    : t.kind === "exponential"
    ? `exponential(beta = ${num(t.beta)})`
    : `k_fpf(k = ${t.k}, modules = [${t.modules.join(", ")}], iterations = ${t.iterations}, lr = ${num(t.lr)})`

/** `reservoir(capacity = 500, fraction = 0.5, timing = ...)`; k-FPF replays no fraction. */
const replayText = (r: NonNullable<StreamIR["replay"]>, steps: number): string => {
  const args = [`capacity = ${r.capacity}`]
  if (r.timing?.kind !== "k_fpf") args.push(`fraction = ${r.fraction === "concat" ? "concat" : printSchedule(r.fraction, steps)}`)
  if (r.timing !== undefined) args.push(`timing = ${timingText(r.timing)}`)
  return `${r.kind}(${args.join(", ")})`
}

const tasksText = (t: StreamIR["tasks"]): string =>
  t.kind === "split"
    ? `split(classes = [${t.classes.map((c) => `[${c.join(", ")}]`).join(", ")}])`
    : t.kind === "rotated"
    ? "count" in t.angles ? `rotated(tasks = ${t.angles.count}, seed = ${t.angles.seed})` : `rotated(angles = [${t.angles.map(num).join(", ")}])`
    : t.kind === "scole"
    ? `scole(tasks = ${t.count}, classes_per_task = ${t.classesPerTask}, seed = ${t.seed})`
    : `permuted(tasks = ${t.count}, identity_first = ${t.identityFirst}, seed = ${t.seed})`

const streamLines = (s: StreamIR, origin: string, steps: number, batch: number): Array<[string, string]> => [
  ["stream {", origin],
  [`  tasks = ${s.online === undefined ? tasksText(s.tasks) : `online(${tasksText(s.tasks)}, size = ${s.online.size}, boundaries = ${s.online.boundaries})`}`, origin],
  [`  scenario = ${s.scenario}`, origin],
  // Even budgets and the run's batch are what a stream without these fields gets: printed only when they vary.
  ...(s.taskSteps.every((n) => n === s.taskSteps[0]) ? [] : [[`  budgets = [${s.taskSteps.map((n) => `${n} steps`).join(", ")}]`, origin] as [string, string]]),
  ...(s.online !== undefined || s.taskBatches.every((b) => b === batch) ? [] : [[`  batches = [${s.taskBatches.join(", ")}]`, origin] as [string, string]]),
  ...(s.replay === undefined ? [] : [[`  replay = ${replayText(s.replay, steps)}`, origin] as [string, string]]),
  ...(s.regularizer === undefined
    ? []
    : [[
      `  regularizer = ${s.regularizer.kind === "l2" ? `l2(lambda = ${num(s.regularizer.lambda)})` : s.regularizer.kind === "lwf" ? `lwf(alpha = ${num(s.regularizer.alpha)}, temperature = ${num(s.regularizer.temperature)})` : `ewc(lambda = ${num(s.regularizer.lambda)}, fisher = ${s.regularizer.fisher}, mode = ${s.regularizer.mode}, gamma = ${num(s.regularizer.gamma)}, samples = ${s.regularizer.samples})`}`,
      origin
    ] as [string, string]]),
  ...(s.joint ? [["  joint = true", origin] as [string, string]] : []),
  ...(s.testSubsample === undefined ? [] : [[`  test_subsample = ${s.testSubsample}`, origin] as [string, string]]),
  [`  forgetting_window = ${s.forgettingWindow}`, origin],
  ["}", origin]
]

const scoreText = (s: NonNullable<CurriculumIR["score"]>): string =>
  s.kind === "loss" ? `loss(every = ${s.every} steps)` : s.kind === "column" ? `column(${JSON.stringify(s.name)})` : `reference(from = ${JSON.stringify(s.from)})`

const curriculumLines = (c: CurriculumIR, steps: number, origin: string): Array<[string, string]> => [
  ["curriculum {", origin],
  ...(c.score === undefined ? [] : [[`  score = ${scoreText(c.score)}`, origin] as [string, string]]),
  ...(c.bandit === undefined
    ? [[`  order = ${c.order}`, origin], [`  pacing = ${printSchedule(c.pacing, steps)}`, origin], [`  sampler = ${c.sampler}`, origin]] as Array<[string, string]>
    : [
      [`  arms = ${c.bandit.arms.kind === "classes" ? "classes" : `bins(${c.bandit.arms.count})`}`, origin],
      [`  bandit = sec(lr = ${num(c.bandit.lr)}, temperature = ${printSchedule(c.bandit.temperature, steps)}, reward = ${c.bandit.reward})`, origin]
    ] as Array<[string, string]>),
  ["}", origin]
]

const conditionText = (c: ConditionIR): string => `${printSignal(c.signal)} ${c.op} ${num(c.threshold)}`

/**
 * The operative spec: params substituted, every default filled, every length explicit, each line
 * annotated with where its value came from. It is itself a valid `.lrs` file for the same run.
 */
const dataText = (d: RunIR["data"]): string => {
  const validation = d.validationFraction === 0 ? "" : `, validation_fraction = ${num(d.validationFraction)}`
  switch (d.kind) {
    case "spirals":
      return `spirals(samples = ${d.samples}, classes = ${d.classes}, noise = ${num(d.noise)}, turns = ${num(d.turns)}, test_fraction = ${num(d.testFraction)}${validation})`
    case "fashion_mnist":
    case "mnist":
      return `${d.kind}(${d.path === undefined ? "" : `path = ${JSON.stringify(d.path)}`}${d.path === undefined ? validation.slice(2) : validation})`
    case "csv":
    case "jsonl":
      return `${d.kind}(path = ${JSON.stringify(d.path)}, features = [${d.features.map((f) => JSON.stringify(f)).join(", ")}], label = ${JSON.stringify(d.label)}, test_fraction = ${num(d.testFraction)}${validation})`
    case "cartpole":
      return `cartpole(copies = ${d.copies})`
    case "frozen_lake":
      return `frozen_lake(copies = ${d.copies}, map = "${d.map}", slippery = ${d.slippery})`
    case "digit_sum":
      return `digit_sum(prompts = ${d.prompts}, group = ${d.group}, max_target = ${d.maxTarget}, max_length = ${d.maxLength}${d.minTarget === undefined ? "" : `, min_target = ${d.minTarget}`}${d.reflect === true ? ", reflect = true" : ""}${d.formatWeight === undefined ? "" : `, format_weight = ${num(d.formatWeight)}`})`
    case "copy_reverse":
      return `copy_reverse(prompts = ${d.prompts}, group = ${d.group}, mode = ${d.mode}, alphabet = ${d.alphabet}, min_length = ${d.minLength}, max_length = ${d.maxLength}, reward = ${d.reward})`
    case "bandit":
      return `bandit(arms = ${d.arms}, copies = ${d.copies}, mean = ${d.mean}, std = ${d.std}, noise = ${d.noise}${d.drift === undefined ? "" : `, drift = ${d.drift}`})`
  }
}

const modelText = (m: RunIR["model"], steps: number): string => {
  const dropout = m.dropout.kind === "constant" && m.dropout.value === 0 ? "" : `, dropout = ${printSchedule(m.dropout, steps)}`
  if (m.kind === "gru") return `gru(hidden = ${m.hidden}, embedding = ${m.embedding})`
  return m.kind === "mlp"
    ? `mlp(hidden = [${m.hidden.join(", ")}], activation = ${m.activation}${m.layerNorm ? ", layer_norm = true" : ""}${dropout})`
    : `cnn(channels = [${m.channels.join(", ")}], kernel = ${m.kernel}, dense = [${m.dense.join(", ")}], activation = ${m.activation}${dropout})`
}

const controlledText = (c: ScheduleIR | AdaptiveKlIR | AdaptiveEntropyIR, steps: number): string =>
  c.kind === "adaptive_kl"
    ? `adaptive_kl(initial = ${num(c.initial)}, target = ${num(c.target)}, horizon = ${num(c.horizon)})`
    : c.kind === "adaptive_entropy"
    ? `adaptive_entropy(initial = ${num(c.initial)}, target = ${num(c.target)}, delta = ${num(c.delta)}, min = ${num(c.min)}, max = ${num(c.max)})`
    : printSchedule(c, steps)

/** The rollout-selection controls a grpo(...) was given (DAPO, D³S, ADORA), as arguments after the others. */
const grpoControlsText = (a: Extract<RlIR["algorithm"], { kind: "grpo" }>, steps: number): string =>
  [
    a.dynamicSampling === undefined ? "" : `, filter = zero_variance, max_generations = ${a.dynamicSampling.maxGenerations}`,
    a.overlong === undefined ? "" : `, overlong_cache = ${a.overlong.cache}, overlong_penalty = ${num(a.overlong.penalty)}`,
    a.downSample === undefined ? "" : `, keep_answers = ${printSchedule(a.downSample.answers, steps)}, keep_tokens = ${printSchedule(a.downSample.tokens, steps)}`,
    a.adora === undefined ? "" : `, adora = ${num(a.adora.lambda)}`,
    a.baseline === undefined ? "" : `, baseline = ${a.baseline}`,
    a.lrScale === undefined ? "" : `, lr_scale = ${a.lrScale}`
  ].join("")

/** A ppo's epochs: a number, or the FAU-driven replay ratio starting at it. */
const ppoEpochsText = (a: Extract<RlIR["algorithm"], { kind: "ppo" }>): string =>
  a.adaptiveReplay === undefined
    ? `${a.epochs}`
    : `adaptive_replay(low = ${a.epochs}, high = ${a.adaptiveReplay.high}, every = ${a.adaptiveReplay.every}, gap = ${num(a.adaptiveReplay.gap)})`

const rlLines = (r: RlIR, origin: string, steps: number): Array<[string, string]> => {
  const a = r.algorithm
  const algorithm = a.kind === "reinforce"
    ? `reinforce(gamma = ${num(a.gamma)}, baseline = ${a.baseline})`
    : a.kind === "grpo"
    ? `grpo(epochs = ${a.epochs}, minibatches = ${a.minibatches}, clip = ${printSchedule(a.clip, steps)}, clip_high = ${printSchedule(a.clipHigh, steps)}, beta = ${controlledText(a.beta, steps)}, scale = ${a.scale}, normalization = ${a.normalization}, temperature = ${printSchedule(a.temperature, steps)}, entropy = ${controlledText(a.entropy, steps)}, max_grad_norm = ${num(a.maxGradNorm)}${a.entropyBand === undefined ? "" : `, entropy_low = ${printSchedule(a.entropyBand.low, steps)}, entropy_high = ${printSchedule(a.entropyBand.high, steps)}`}${a.entropyTarget === undefined ? "" : `, entropy_target = ${printSchedule(a.entropyTarget, steps)}`}${grpoControlsText(a, steps)})`
    : `ppo(rollout = ${a.rollout}, epochs = ${ppoEpochsText(a)}, minibatches = ${a.minibatches}, gamma = ${num(a.gamma)}, lambda = ${num(a.lambda)}, clip = ${printSchedule(a.clip, steps)}, value_clip = ${a.valueClip}, entropy = ${printSchedule(a.entropy, steps)}, value = ${printSchedule(a.value, steps)}, max_grad_norm = ${num(a.maxGradNorm)}, target_kl = ${num(a.targetKl)}, truncation = ${a.truncation}, normalize_advantage = ${a.normalizeAdvantage}${a.lrScale === undefined ? "" : `, lr_scale = ${a.lrScale}`})`
  return [
    ["rl {", origin],
    [`  algorithm = ${algorithm}`, origin],
    ...(a.kind === "grpo" ? [] : [[`  shared = ${r.shared}`, origin] as [string, string]]),
    ...(r.budget === undefined ? [] : [[`  budget = ${printSchedule(r.budget, steps)}`, origin] as [string, string]]),
    ...(r.lengthLimit === undefined ? [] : [[`  length_limit = ${printSchedule(r.lengthLimit, steps)}`, origin] as [string, string]]),
    ...(r.groupSize === undefined ? [] : [[`  group_size = ${printSchedule(r.groupSize, steps)}`, origin] as [string, string]]),
    ...(r.curriculum === undefined
      ? []
      : [[
        `  curriculum = ${r.curriculum.kind === "sec" ? `sec(lr = ${num(r.curriculum.lr)}, temperature = ${printSchedule(r.curriculum.temperature, steps)})` : `cures(temperature = ${r.curriculum.temperature === "released" ? "released" : printSchedule(r.curriculum.temperature, steps)}${r.curriculum.allocation === undefined ? "" : `, allocation = variance, rollouts = [${r.curriculum.allocation.min}, ${r.curriculum.allocation.max}]`})`}`,
        origin
      ] as [string, string]]),
    ["}", origin]
  ]
}

export const printResolved = (ir: RunIR, origins: Origins): string => {
  const lines: Array<[string, string]> = [
    [`seed = ${ir.seed}`, originText(origins["seed"])],
    [`steps = ${ir.steps}${ir.rl?.clock === "iterations" ? " iterations" : ""}`, origins["epochs"]?.kind === "default" || origins["epochs"] === undefined ? originText(origins["steps"]) : `epochs, ${originText(origins["epochs"])}`],
    // An rl experiment's batch is its rollout, implied by the environment and the algorithm.
    ...(ir.rl === undefined ? [[`batch = ${ir.batch}`, originText(origins["batch"])] as [string, string]] : []),
    [`data = ${dataText(ir.data)}`, originText(origins["data"])],
    [`model = ${modelText(ir.model, ir.steps)}`, originText(origins["model"])],
    [`optimizer = ${optimizerText(ir.optimizer, ir.steps)}`, originText(origins["optimizer"])],
    ...(ir.onNonfinite === "halt" ? [] : [[`on_nonfinite = ${ir.onNonfinite}`, originText(origins["on_nonfinite"])] as [string, string]]),
    ...(ir.average === undefined ? [] : [[`average = ${averageText(ir.average)}`, originText(origins["average"])] as [string, string]]),
    ...(ir.ensemble === undefined ? [] : [[`ensemble = ${ensembleText(ir.ensemble)}`, originText(origins["ensemble"])] as [string, string]]),
    ...(ir.curriculum === undefined ? [] : curriculumLines(ir.curriculum, ir.steps, originText(origins["curriculum"]))),
    ...(ir.stream === undefined ? [] : streamLines(ir.stream, originText(origins["stream"]), ir.steps, ir.batch)),
    ...(ir.rl === undefined ? [] : rlLines(ir.rl, originText(origins["rl"]), ir.steps)),
    ...Object.entries(ir.schedules).map(([name, s]): [string, string] => [`schedule ${name} = ${printSchedule(s, ir.steps)}`, originText(origins[`schedule ${name}`])]),
    ...(ir.rl === undefined ? [[`evaluate every ${ir.evaluation.every} steps on ${ir.evaluation.split} [${ir.evaluation.metrics.join(", ")}]`, originText(origins["evaluate"])] as [string, string]] : []),
    [`log every ${ir.log.every} steps${ir.log.signals.length === 0 ? "" : ` [${ir.log.signals.map(printSignal).join(", ")}]`}`, originText(origins["log"])],
    ...(ir.checkpoint === undefined ? [] : [[`checkpoint every ${ir.checkpoint.every} steps`, originText(origins["checkpoint"])] as [string, string]]),
    ...(ir.stop === undefined ? [] : [[`until ${conditionText(ir.stop)}`, originText(origins["until"])] as [string, string]])
  ]
  return [
    "lrs 1",
    `// Resolved from ${ir.source} by lrs: params substituted, defaults filled, lengths explicit.`,
    "// Each line's comment says where its value came from.",
    "",
    `experiment ${ir.experiment} {`,
    ...lines.map(([text, origin]) => `  ${text}  // ${origin}`),
    "}",
    ""
  ].join("\n")
}
