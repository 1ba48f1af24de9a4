import type { Span } from "@lrs/dsl"

/**
 * The runtime graph of one run: plain, JSON-serialisable data. The runtime executes it and never
 * re-reads the spec; every node keeps the span of the spec text that produced it so runtime
 * failures are reported against spec lines.
 */
export interface RunIR {
  readonly lrs: 1
  readonly experiment: string
  readonly source: string
  readonly seed: number
  /** Optimizer updates in the run (`T`); `progress = t / T`. `epochs = N` compiles to steps here. */
  readonly steps: number
  /** Examples per update. */
  readonly batch: number
  readonly data: DataIR
  readonly model: ModelIR
  readonly optimizer: OptimizerIR
  /** Every named schedule of the experiment; each is logged per step under its name. */
  readonly schedules: Readonly<Record<string, ScheduleIR>>
  readonly evaluation: EvaluationIR
  readonly log: LogIR
  /** What a non-finite loss or gradient does: stop with an error, skip the update, or roll back to the last checkpoint. */
  readonly onNonfinite: "halt" | "skip_step" | "rollback"
  /** Write a checkpoint every `every` updates (and after the last). */
  readonly checkpoint?: { readonly every: number; readonly span: Span }
  /** Stop early, after the update at which this becomes true. */
  readonly stop?: ConditionIR
  /** Averaged weights kept beside the raw ones, evaluated at every evaluation and checkpointed. */
  readonly average?: AverageIR
  /** Replicas trained together that explore hyperparameters around their schedules. */
  readonly ensemble?: EnsembleIR
  /** Which training examples a batch may draw from as training goes on. */
  readonly curriculum?: CurriculumIR
  /** The data as a sequence of tasks (continual learning). */
  readonly stream?: StreamIR
  /** An RL loop over the environment `data` names. */
  readonly rl?: RlIR
  readonly span: Span
}

/**
 * A curriculum: examples ordered by `score` (lower is easier) in `order`, the first `pacing(t)` of
 * them (a fraction) available at update `t`; `uniform` draws each batch uniformly from that prefix,
 * `weighted` draws the available set itself without replacement, easy examples more likely
 * (weights `1 / score`; `score` for `hard_to_easy`; equal for `random`), whenever its size changes;
 * `sequential` hands out the available examples in order, round and round.
 */
export interface CurriculumIR {
  /** Absent only for a bandit over the classes, which needs no difficulty. */
  readonly score?:
    | { readonly kind: "loss"; readonly every: number }
    | { readonly kind: "reference"; readonly from: string }
    | { readonly kind: "column"; readonly name: string }
  readonly order: "easy_to_hard" | "hard_to_easy" | "random"
  readonly pacing: ScheduleIR
  readonly sampler: "uniform" | "weighted" | "sequential"
  /**
   * A bandit curriculum (Self-Evolving Curriculum): every batch comes from one arm, a category
   * (`classes`: the label; `bins`: `count` equal groups of examples by score, easiest first),
   * chosen by a Boltzmann bandit whose values learn from each arm's learning progress.
   */
  readonly bandit?: {
    readonly arms: { readonly kind: "classes" } | { readonly kind: "bins"; readonly count: number }
    readonly lr: number
    readonly temperature: ScheduleIR
    readonly reward: "progress" | "absolute_progress"
  }
  readonly span: Span
}

/**
 * A continual stream: the experiment's data as tasks in order, task k trained for `taskSteps[k]`
 * updates of `taskBatches[k]` examples (the budget split evenly and the run's batch unless the
 * stream lists them). `split`: each task the examples of some classes;
 * `permuted`: every task all the data with the pixels in a fixed random order (task 0 unpermuted
 * when `identityFirst`); `rotated`: every task all the images turned by its angle (degrees,
 * counter-clockwise, nearest neighbour about the centre, zeros outside). `class_incremental`: one head over every class; `task_incremental`: the
 * task is known and only its classes compete (the others' logits masked); `domain_incremental`:
 * one head, the same labels in every task (over `split` tasks: a head of as many outputs as a task
 * has classes, each class labelled by its place in its task, as in split MNIST's domain-incremental
 * setting of Hsu et al. / van de Ven). `replay`: a reservoir of `capacity` past examples, a
 * `fraction` of each batch drawn from it.
 */
export interface StreamIR {
  readonly tasks:
    | { readonly kind: "split"; readonly classes: ReadonlyArray<ReadonlyArray<number>> }
    | { readonly kind: "permuted"; readonly count: number; readonly identityFirst: boolean; readonly seed: number }
    /** Listed angles, or `count` drawn uniformly from the integers in [-180, 180] (as Avalanche's RotatedMNIST; stream `stream/rotations` of `seed`). */
    | { readonly kind: "rotated"; readonly angles: ReadonlyArray<number> | { readonly count: number; readonly seed: number } }
    /**
     * SCoLe (Lesort et al. 2022): `count` tasks, each `classesPerTask` distinct classes drawn
     * uniformly (a seeded draw per task, `seed`), so classes re-occur along a long sequence; the
     * evaluation measures every class's test set.
     */
    | { readonly kind: "scole"; readonly count: number; readonly classesPerTask: number; readonly seed: number }
  readonly scenario: "class_incremental" | "task_incremental" | "domain_incremental"
  /** Updates each task trains for, in order; they add up to the run's budget. */
  readonly taskSteps: ReadonlyArray<number>
  /** Examples per update (before replay) of each task. */
  readonly taskBatches: ReadonlyArray<number>
  /**
   * Online (task-free) learning: each update takes the next `size` examples of the current task,
   * each example seen once (one pass, in a seeded order); `boundaries = hidden` keeps the task
   * changes from the learner (no per-task regularizer, restart or task-incremental head), as
   * Avalanche's `split_online_stream(access_task_boundaries = False)`.
   */
  readonly online?: { readonly size: number; readonly boundaries: "hidden" | "known" }
  /**
   * `reservoir`: one buffer over every example trained on; `class_balanced`: a reservoir per class,
   * the capacity split evenly among the classes seen so far (Avalanche's ClassBalancedBuffer).
   * `fraction`: the share of each batch drawn from the buffer (a schedule), or `concat`: a second
   * batch of the same size from the buffer beside the current one (Avalanche's ReplayPlugin).
   */
  readonly replay?: {
    readonly kind: "reservoir" | "class_balanced"
    readonly capacity: number
    readonly fraction: ScheduleIR | "concat"
    /**
     * Which task each replayed example comes from: undefined, uniformly over the buffer (every
     * step); `power_law`, task k with weight `(1 + d_k)^(-alpha)`, `exponential`, `beta^d_k`, d_k
     * the time since task k was last trained in tasks (0 for the current one), then an example of
     * it uniformly (power-law rehearsal after Gandhi et al. 2024, its exact procedure unverified).
     */
    readonly timing?:
      | { readonly kind: "power_law"; readonly alpha: number }
      | { readonly kind: "exponential"; readonly beta: number }
      /**
       * k-FPF (Zhao et al. 2023): no replay in the batches; instead, `k` times evenly over the run
       * (after update round(i * steps / k), the last at the end), `iterations` plain SGD steps at
       * `lr` on batches drawn uniformly from the buffer (cross-entropy on the buffered labels),
       * changing only the variables of `modules` (layer names: `layer2`, `conv0`, `dense1`, or
       * `output` for the last layer). The paper picks the modules by a sensitivity score; here they
       * are named.
       */
      | { readonly kind: "k_fpf"; readonly k: number; readonly modules: ReadonlyArray<string>; readonly iterations: number; readonly lr: number }
  }
  /**
   * A penalty keeping the weights near those that ended earlier tasks, `(lambda / 2) * sum F (w -
   * w*)^2`: `ewc` with F the diagonal Fisher of each finished task (`empirical`: gradients with the
   * true labels; `sampled`: with labels drawn from the model; per-example gradients squared,
   * averaged over `samples` examples), one term per task (`separate`) or one running F = gamma F + F_new
   * anchored at the last task (`online`); `l2`: F = 1, anchored at the previous task. `lwf`
   * (Learning without Forgetting) is not a weight penalty: `alpha` times the distillation of the
   * previous task's model on the classes earlier tasks trained, at `temperature` (Avalanche's form).
   */
  readonly regularizer?:
    | { readonly kind: "ewc"; readonly lambda: number; readonly fisher: "empirical" | "sampled"; readonly mode: "separate" | "online"; readonly gamma: number; readonly samples: number }
    | { readonly kind: "l2"; readonly lambda: number }
    | { readonly kind: "lwf"; readonly alpha: number; readonly temperature: number }
  /**
   * Joint training, the upper bound streams are compared with: every batch drawn uniformly from
   * all the tasks' examples from the first update; the evaluation and the summary as for a stream.
   */
  readonly joint: boolean
  /** Evaluate each task on this many of its test examples (a fixed seeded choice, the same for every run), not all. */
  readonly testSubsample?: number
  /** The window (in evaluations) of the summary's windowed forgetting WF^w. */
  readonly forgettingWindow: number
  readonly span: Span
}

/** The hyperparameters an ensemble can spread across its replicas. */
export type Explorable = "lr" | "weight_decay" | "dropout"

/**
 * HDET (Cheng et al., hyperparameter-divergent ensembles): `replicas` copies of the model train
 * together, each with every explored hyperparameter at its schedule's value times a multiplier
 * `rho_r = 1 + spread * (r - (N - 1) / 2) / max((N - 1) / 2, 0.5)` (so the multipliers average 1),
 * all applying the same averaged gradient; every `averageEvery` updates their weights are averaged
 * and, from update `metaFrom` on, each explored schedule is rescaled toward the replicas whose
 * training loss was lower (softmax of `(mean - loss_r) / temperature`), through a momentum
 * (`momentum`, step `metaLr`); the multipliers are then dealt out afresh by a seeded permutation.
 */
export interface EnsembleIR {
  readonly kind: "hdet"
  readonly replicas: number
  readonly spread: number
  readonly averageEvery: number
  readonly metaFrom: number
  readonly metaLr: number
  readonly momentum: number
  readonly temperature: number
  readonly explore: ReadonlyArray<Explorable>
  readonly span: Span
}

/**
 * `ema`: after every update `avg += (w - avg) * (1 - decay)`, the first update copying `w`.
 * `last`: the uniform mean of the weights after the last `count` updates that are multiples of `every`.
 */
export type AverageIR =
  | { readonly kind: "ema"; readonly decay: number; readonly span: Span }
  | { readonly kind: "last"; readonly count: number; readonly every: number; readonly span: Span }

export type SignalName =
  | "loss"
  | "grad_norm"
  | "param_norm"
  | "throughput"
  | "test.loss"
  | "test.accuracy"
  | "test.top5"
  | "validation.loss"
  | "validation.accuracy"
  | "validation.top5"
  | RlSignalName

/**
 * An rl loop's per-iteration values, each the `metrics.jsonl` column after `train.` (`train.return`
 * is the `return` column: the mean return of the last 100 episodes).
 */
export type RlSignalName =
  | "train.return"
  | "train.episode_return"
  | "train.episode_length"
  | "train.loss"
  | "train.entropy"
  | "train.grad_norm"
  | "train.value_loss"
  | "train.explained_variance"
  | "train.approx_kl"
  | "train.clip_fraction"
  | "train.accuracy"
  | "train.answer_length"
  | "train.truncated"
  | "train.kl"
  | "train.zero_variance_groups"
  | "train.fau"
  | "train.snr"
  | "train.optimal_action"

/** An observed quantity, or its exponential moving average `m = beta * m + (1 - beta) * x` (m starts at the first x). */
export type SignalIR =
  | { readonly kind: "signal"; readonly name: SignalName; readonly span: Span }
  | { readonly kind: "ema"; readonly of: SignalIR; readonly beta: number; readonly span: Span }

export interface ConditionIR {
  readonly op: ">=" | "<=" | ">" | "<" | "==" | "!="
  readonly signal: SignalIR
  readonly threshold: number
  readonly span: Span
}

export interface SpiralsIR {
  readonly kind: "spirals"
  /** Total examples before the split, spread evenly over the classes. */
  readonly samples: number
  readonly classes: number
  /** Standard deviation of the Gaussian noise added to each coordinate. */
  readonly noise: number
  /** Spiral turns from the centre to the outer end. */
  readonly turns: number
  /** Fraction of the examples held out as the `test` split. */
  readonly testFraction: number
  /** Fraction of the remaining (training) examples held out as the `validation` split; 0 for none. */
  readonly validationFraction: number
  readonly span: Span
}

/** Fashion-MNIST or MNIST from IDX files (gzipped or not): 60,000 training and 10,000 test images of 28x28. */
export interface ImageDataIR {
  readonly kind: "fashion_mnist" | "mnist"
  /** The directory holding the four IDX files; absent: `$LRS_DATA_DIR`, then Debian's `/usr/share/datasets/fashion-mnist`. */
  readonly path?: string
  /** Fraction of the training images held out as `validation` (after a seeded shuffle); 0 for none. */
  readonly validationFraction: number
  readonly span: Span
}

/** A CSV (with a header) or JSONL file of numeric feature columns and an integer class label. */
export interface TabularIR {
  readonly kind: "csv" | "jsonl"
  readonly path: string
  readonly features: ReadonlyArray<string>
  readonly label: string
  /** A column read as each example's curriculum score (`score = column(...)`), not fed to the model. */
  readonly score?: string
  readonly testFraction: number
  readonly validationFraction: number
  readonly span: Span
}

/**
 * An environment as the data source of an RL experiment (`rl { }`): `copies` seeded copies stepped
 * together. CartPole-v1 (Gymnasium's dynamics, 500-step truncation), FrozenLake (Gymnasium's maps
 * and slipping). An environment has no validation split (`validationFraction` is 0 for the code that
 * asks every data source).
 */
export type EnvIR =
  | { readonly kind: "cartpole"; readonly copies: number; readonly validationFraction: 0; readonly span: Span }
  | {
    readonly kind: "digit_sum"
    /** Prompts per iteration, each answered `group` times (GRPO's groups); `copies` = prompts x group. */
    readonly prompts: number
    readonly group: number
    readonly copies: number
    /** Targets drawn from minTarget (absent: 1)..maxTarget; answers of at most maxLength tokens, EOS included. */
    readonly minTarget?: number
    readonly maxTarget: number
    readonly maxLength: number
    /** The reflection variant: a check token W after which the policy is told the remainder; absent when off. */
    readonly reflect?: true
    /** Weight of the reward's "ended with EOS" term; absent: 0.2 (the research notes' weights). */
    readonly formatWeight?: number
    readonly validationFraction: 0
    readonly span: Span
  }
  | {
    /** Copy or reverse a string of `minLength..maxLength` symbols from an alphabet of `alphabet`; answers capped at maxLength + 1 tokens (EOS included). */
    readonly kind: "copy_reverse"
    readonly prompts: number
    readonly group: number
    readonly copies: number
    readonly mode: "copy" | "reverse"
    readonly alphabet: number
    readonly minLength: number
    readonly maxLength: number
    /** `exact`: 1 iff the answer is the target and EOS; `positions`: the share of positions right. */
    readonly reward: "exact" | "positions"
    readonly validationFraction: 0
    readonly span: Span
  }
  | {
    /** One k-armed bandit problem per run (q*(a) ~ N(mean, std^2) from the run's seed) pulled by `copies` copies at once; a pull pays N(q*(a), noise^2). */
    readonly kind: "bandit"
    readonly copies: number
    readonly arms: number
    readonly mean: number
    readonly std: number
    readonly noise: number
    /** Std of the random walk every q*(a) takes after each pull (Sutton & Barto's Exercise 2.5: 0.01); absent when stationary. */
    readonly drift?: number
    readonly validationFraction: 0
    readonly span: Span
  }
  | { readonly kind: "frozen_lake"; readonly copies: number; readonly map: "4x4" | "8x8"; readonly slippery: boolean; readonly validationFraction: 0; readonly span: Span }

/** Environments whose episodes are answers of tokens, learnt with GRPO by a GRU policy. */
export type TokenEnvIR = Extract<EnvIR, { kind: "digit_sum" | "copy_reverse" }>

export const isTokenEnv = (env: EnvIR): env is TokenEnvIR => env.kind === "digit_sum" || env.kind === "copy_reverse"

export type DataIR = SpiralsIR | ImageDataIR | TabularIR | EnvIR

export const isEnv = (d: DataIR): d is EnvIR => d.kind === "cartpole" || d.kind === "frozen_lake" || d.kind === "digit_sum" || d.kind === "copy_reverse" || d.kind === "bandit"

/** The update after which each task of a stream ends (the running sums of its `taskSteps`). */
export const taskEnds = (s: Pick<StreamIR, "taskSteps">): Array<number> => {
  let end = 0
  return s.taskSteps.map((n) => (end += n))
}

/**
 * verl's `AdaptiveKLController` (Ziegler et al. 2019) for a KL coefficient: after each iteration,
 * `beta <- beta * (1 + clip(KL / target - 1, -0.2, 0.2) * n / horizon)`, n the iteration's answers.
 */
export interface AdaptiveKlIR {
  readonly kind: "adaptive_kl"
  readonly initial: number
  readonly target: number
  readonly horizon: number
  readonly span: Span
}

/**
 * TRL's adaptive entropy coefficient (Skywork-OR1): after each iteration with mean token entropy H,
 * `c <- min(c + delta, max)` if H <= target, else `max(c - delta, min)`; the next iteration's bonus
 * is c when H <= target and 0 otherwise.
 */
export interface AdaptiveEntropyIR {
  readonly kind: "adaptive_entropy"
  readonly initial: number
  readonly target: number
  readonly delta: number
  readonly min: number
  readonly max: number
  readonly span: Span
}

/**
 * An RL loop (`rl { algorithm = ... }`) over an environment: the run's `steps` count environment
 * steps (transitions summed over the copies), the axis of every schedule, log and checkpoint, and
 * each iteration reads its schedules once, before its rollout, at the env steps done so far
 * (CleanRL's annealing). `ppo`: CleanRL's `ppo.py` (rollouts of `rollout` steps per copy, GAE,
 * `epochs` x `minibatches` clipped-surrogate updates). `reinforce`: one whole episode per copy per
 * update, returns whitened or not.
 */
export interface RlIR {
  /**
   * The run's clock: absent, the run's `steps` (and every length, schedule, log and checkpoint
   * interval) count env steps; `iterations` (`steps = 300 iterations`), they count iterations
   * (a rollout and its updates: CleanRL's `num_iterations`, verl's training steps).
   */
  readonly clock?: "iterations"
  readonly algorithm:
    | {
      readonly kind: "ppo"
      readonly rollout: number
      readonly epochs: number
      readonly minibatches: number
      readonly gamma: number
      readonly lambda: number
      readonly clip: ScheduleIR
      /** Clip the value loss with the surrogate's epsilon (CleanRL's `clip_vloss`). */
      readonly valueClip: boolean
      readonly entropy: ScheduleIR
      readonly value: ScheduleIR
      /** Global gradient-norm clip; 0 for none. */
      readonly maxGradNorm: number
      /** KL early stop after an epoch (CleanRL's convention); 0 for none. */
      readonly targetKl: number
      readonly truncation: "terminate" | "bootstrap"
      readonly normalizeAdvantage: boolean
      /**
       * The adaptive replay ratio of Ma et al. (2310.07418), driven by the fraction of active units
       * (FAU): `epochs` is the low value until the mean FAU over `every` iterations moves by at most
       * `gap` from the previous window's, then `high` for the rest of the run (one switch).
       */
      readonly adaptiveReplay?: { readonly high: number; readonly every: number; readonly gap: number }
      /** OBLR-PO's SNR-driven learning rate: the lr times `SNR / (1 + SNR)` of the previous iteration. */
      readonly lrScale?: "snr"
    }
    | { readonly kind: "reinforce"; readonly gamma: number; readonly baseline: "none" | "whiten" }
    | {
      readonly kind: "grpo"
      /** Passes over each generated batch (TRL `num_iterations`) and minibatches of completions per pass. */
      readonly epochs: number
      readonly minibatches: number
      /** Ratio clip: [1 - clip, 1 + clipHigh] (DAPO's clip-higher when clipHigh > clip). */
      readonly clip: ScheduleIR
      readonly clipHigh: ScheduleIR
      /** k3 KL coefficient to the initial policy (TRL `beta`): a schedule, or verl's adaptive KL controller. */
      readonly beta: ScheduleIR | AdaptiveKlIR
      /** Advantages (r - mean_group) divided by the group's std (`group`, TRL), the batch's (`batch`) or not (`none`, Dr. GRPO). */
      readonly scale: "group" | "batch" | "none"
      /** Loss over tokens: mean per answer then over answers (`sequence`, GRPO), over all tokens (`token`, DAPO), or a constant denominator (`constant`, Dr. GRPO). */
      readonly normalization: "sequence" | "token" | "constant"
      readonly temperature: ScheduleIR
      /** Token-entropy bonus: a schedule, or TRL's adaptive entropy controller (Skywork-OR1). */
      readonly entropy: ScheduleIR | AdaptiveEntropyIR
      readonly maxGradNorm: number
      /**
       * Entrocraft's entropy band (its released band switch): above `high`, only positive
       * advantages are kept; below `low`, only negative ones; the batch's mean token entropy at
       * generation decides.
       */
      readonly entropyBand?: { readonly low: ScheduleIR; readonly high: ScheduleIR }
      /**
       * Entrocraft's `entropic` controller (`entropy_target`; not with `entropyBand`): after each
       * generation `α ← clip(α + (H − target), -1, 1)` from α = 0, with H the batch's mean token
       * entropy at generation, then advantages times `1 + α` where positive and `1 − α` where
       * negative. α is kept in checkpoints.
       */
      readonly entropyTarget?: ScheduleIR
      /**
       * DAPO's dynamic sampling (`filter = zero_variance`): groups whose rewards are all equal are
       * dropped, and up to `maxGenerations` batches are generated to fill the batch (verl's
       * `max_num_gen_batches`).
       */
      readonly dynamicSampling?: { readonly maxGenerations: number }
      /** DAPO's soft overlong punishment: from `cache` tokens before the length cap down to `-penalty` at it. */
      readonly overlong?: { readonly cache: number; readonly penalty: number }
      /** D³S: the share of each group's answers (max-variance subset) and of the batch's tokens (top |A|·H) in the loss, schedules in (0, 1]. */
      readonly downSample?: { readonly answers: ScheduleIR; readonly tokens: ScheduleIR }
      /** ADORA: groups whose longest correct answer is not longer than their mean wrong one get advantages times `lambda`. */
      readonly adora?: { readonly lambda: number }
      /**
       * OBLR-PO's gradient-weighted baseline in place of each group's mean reward: `Σ w r / Σ w`,
       * `w` the squared norm of the answer's score with respect to the logits (a reconstruction).
       */
      readonly baseline?: "gradient_weighted"
      /** OBLR-PO's SNR-driven learning rate: the lr times `SNR / (1 + SNR)` of the previous iteration. */
      readonly lrScale?: "snr"
    }
  /** Separate actor and critic networks (CleanRL, SB3) or one trunk with two heads. */
  readonly shared: boolean
  /**
   * The token tasks' parameters, read before each rollout: `budget`, the answer length the reward
   * stops penalising (a decaying budget is "Train Long, Think Short"), and `lengthLimit`, the hard cap
   * on answer tokens (SIRI's oscillating maximum length), rounded to whole tokens.
   */
  readonly budget?: ScheduleIR
  readonly lengthLimit?: ScheduleIR
  /**
   * A token task's answers per prompt, read before each rollout and rounded: 2..`group` (the data
   * call's `group` stays the capacity). Absent: every group has `group` answers.
   */
  readonly groupSize?: ScheduleIR
  /**
   * Self-Evolving Curriculum over the task's categories (digit-sum: targets 1-9, 10-18, ...): prompts
   * drawn with Boltzmann probabilities over values that learn, by TD(0) with `lr`, each category's
   * mean absolute advantage; `temperature` may be a schedule. Or CurES's sampler: categories drawn
   * with probabilities `exp(sqrt(p (1 - p)) / temperature)` over each category's Beta-posterior
   * accuracy `p` (`released`: the code's per-category temperature, nearly uniform). Its `allocation`
   * is CurES's rollout allocation: `min` probe answers per prompt, then `min..max` in all in
   * proportion to the spread of the probes' gradients, `prompts x group size` answers near in all.
   */
  readonly curriculum?:
    | { readonly kind: "sec"; readonly lr: number; readonly temperature: ScheduleIR }
    | { readonly kind: "cures"; readonly temperature: ScheduleIR | "released"; readonly allocation?: { readonly min: number; readonly max: number } }
  readonly span: Span
}

export type Activation = "relu" | "tanh" | "gelu" | "sigmoid"

export interface MlpIR {
  readonly kind: "mlp"
  readonly hidden: ReadonlyArray<number>
  readonly activation: Activation
  /** Layer normalisation after each hidden layer's affine map, before the activation. */
  readonly layerNorm: boolean
  /** Dropout probability after each hidden activation, a schedule (0: none); inactive at evaluation. */
  readonly dropout: ScheduleIR
  readonly span: Span
}

/** Conv layers (`kernel` x `kernel`, same padding, stride 1, each followed by 2x2 max-pooling), then dense layers, for 28x28 images. */
export interface CnnIR {
  readonly kind: "cnn"
  readonly channels: ReadonlyArray<number>
  readonly kernel: number
  readonly dense: ReadonlyArray<number>
  readonly activation: Activation
  readonly dropout: ScheduleIR
  readonly span: Span
}

/**
 * A GRU token policy with a value head, for the token tasks of an rl experiment: the prompt's
 * features set the first state, each generated token is embedded and fed back. No dropout
 * (`dropout` is the constant 0 every model carries).
 */
export interface GruIR {
  readonly kind: "gru"
  readonly hidden: number
  readonly embedding: number
  readonly dropout: ScheduleIR
  readonly span: Span
}

export type ModelIR = MlpIR | CnnIR | GruIR

/** Every hyperparameter is a schedule; a plain number compiles to `constant`. */
export type OptimizerIR =
  | {
    readonly kind: "sgd"
    readonly lr: ScheduleIR
    readonly momentum: ScheduleIR
    readonly dampening: number
    readonly nesterov: boolean
    /** Coupled L2 (added to the gradient), as `torch.optim.SGD`. */
    readonly weightDecay: ScheduleIR
    /** Rescale the gradients to at most this global L2 norm before the update (`clip_grad_norm_`). */
    readonly clipNorm?: number
    /**
     * Normalize-and-Project's projection (Lyle et al. 2024): after every update each weight matrix
     * is scaled back to its norm at initialisation, so with layer norm the effective lr is the lr.
     */
    readonly project?: boolean
    readonly span: Span
  }
  | {
    readonly kind: "adam" | "adamw"
    readonly lr: ScheduleIR
    readonly beta1: ScheduleIR
    readonly beta2: ScheduleIR
    readonly epsilon: number
    /** adam: coupled L2 as `torch.optim.Adam`; adamw: decoupled, `w -= lr * wd * w`, as `torch.optim.AdamW`. */
    readonly weightDecay: ScheduleIR
    /** Rescale the gradients to at most this global L2 norm before the update (`clip_grad_norm_`). */
    readonly clipNorm?: number
    readonly project?: boolean
    readonly span: Span
  }
  | {
    /**
     * CLASSP (Ludwig 2024, its README's semantics, element-wise): where `g^2 > threshold`,
     * `S += |g|^power` and `w -= lr * g / (epsilon + S)^(1 / power)` (`scaling`; else `w -= lr * g`);
     * elsewhere nothing moves. Adjustment suppression: weights updated often get smaller steps.
     */
    readonly kind: "classp"
    readonly lr: ScheduleIR
    readonly threshold: number
    readonly epsilon: number
    readonly power: number
    readonly scaling: boolean
    /** No weight decay (the constant 0 every optimizer carries). */
    readonly weightDecay: ScheduleIR
    readonly clipNorm?: number
    readonly project?: boolean
    readonly span: Span
  }

export type Metric = "accuracy" | "loss" | "top5"

export interface EvaluationIR {
  /** Evaluate after every `every` updates and once at the end. */
  readonly every: number
  readonly split: "test" | "validation"
  /** `top5`: the fraction whose label is among the 5 highest logits (all of them with 5 classes or fewer). */
  readonly metrics: ReadonlyArray<Metric>
  readonly span: Span
}

export interface LogIR {
  /** Write a metrics row at every `every`-th update (and at the last). */
  readonly every: number
  /** Signals logged beside `loss` and the schedules, named as written (`grad_norm`, `ema(loss, 0.9)`). */
  readonly signals: ReadonlyArray<SignalIR>
  readonly span: Span
}

/** Shapes that go from `from` to `to` over their span; see `evaluateSchedule` for each formula. */
export type CurveShape = "linear" | "cosine" | "exponential" | "polynomial" | "one_minus_sqrt" | "rex" | "uba" | "k_decay"

/**
 * A schedule: a pure function of `t` (updates already applied), closed-form: O(1) per node except
 * `piecewise` (binary search) and `sequence` (its segments). Shapes run over `steps` updates from
 * their own start and then hold their last value unless `continues` (PyTorch's and HF's cosine
 * keep following the formula past the end).
 */
export type ScheduleIR =
  | { readonly kind: "constant"; readonly value: number; readonly span: Span }
  | {
    readonly kind: "curve"
    readonly shape: CurveShape
    readonly from: number
    readonly to: number
    readonly steps: number
    /** polynomial: power; rex: alpha, beta; uba: phi; k_decay: k; cosine: exponent (optax). */
    readonly options: Readonly<Record<string, number>>
    readonly continues: boolean
    readonly span: Span
  }
  | {
    /** `value * rate^floor(t / every)`: a staircase (a smooth one is an exponential curve that continues). */
    readonly kind: "geometric"
    readonly value: number
    readonly rate: number
    readonly every: number
    readonly span: Span
  }
  | {
    /** Power Scheduler (Shen et al. 2024): `min(max, coefficient * ((t + offset) * tokens_per_step)^exponent)`. */
    readonly kind: "power"
    readonly max: number
    readonly coefficient: number
    readonly exponent: number
    readonly tokensPerStep: number
    readonly offset: number
    readonly span: Span
  }
  | {
    /** `value * sqrt(timescale / (t + timescale))`: `value` at 0, then falling as 1/sqrt(t). */
    readonly kind: "inverse_sqrt"
    readonly value: number
    readonly timescale: number
    readonly span: Span
  }
  | {
    /** Values at milestones: `values[0]` from 0, `values[i]` from `at[i - 1]`; `linear`/`cosine` interpolate between the points (0, values[0]), (at[i], values[i + 1]). */
    readonly kind: "piecewise"
    readonly at: ReadonlyArray<number>
    readonly values: ReadonlyArray<number>
    readonly interpolate: "constant" | "linear" | "cosine"
    readonly span: Span
  }
  | {
    /** Triangle waves between `low` and `high` (PyTorch CyclicLR), shifted by `offset` steps. */
    readonly kind: "cyclic"
    readonly low: number
    readonly high: number
    readonly up: number
    readonly down: number
    readonly mode: "triangular" | "triangular2" | "exp_range"
    readonly gamma: number
    readonly offset: number
    readonly span: Span
  }
  | {
    /** `schedule` restarted every cycle; cycle `i` lasts `period * multiplier^i` (the schedule stretched to fit) and is scaled by `decay^i`. */
    readonly kind: "repeat"
    readonly schedule: ScheduleIR
    readonly period: number
    readonly multiplier: number
    readonly decay: number
    readonly span: Span
  }
  | {
    /** The schedule read every `every` steps and held in between (a staircase). */
    readonly kind: "sampled"
    readonly schedule: ScheduleIR
    readonly every: number
    readonly span: Span
  }
  | {
    /** Segments in order; segment `i` sees `t - start_i`; the last one fills the rest of the run. */
    readonly kind: "sequence"
    readonly segments: ReadonlyArray<{ readonly start: number; readonly schedule: ScheduleIR }>
    readonly span: Span
  }
  | {
    readonly kind: "binary"
    readonly op: "+" | "-" | "*" | "/" | "min" | "max"
    readonly left: ScheduleIR
    readonly right: ScheduleIR
    readonly span: Span
  }
  | { readonly kind: "negate"; readonly operand: ScheduleIR; readonly span: Span }
  | PlateauIR
  | AutoLrsIR
  | StagesIR
  | {
    /** Root-p competence: `(start^power + (1 - start^power) * min(t / steps, 1))^(1 / power)`. */
    readonly kind: "root"
    readonly start: number
    readonly power: number
    readonly steps: number
    readonly span: Span
  }

/**
 * Staged pacing (the diffusion curriculum of Kim et al.): the ordered data in `count` equal
 * clusters, the first `k` of them available in stage `k` (value `k / count`); a stage ends when
 * `signal` has not improved on its best by `threshold` (relative) for more than `patience`
 * observations, or after `max` updates in it. Drawn (plots, range checks) at its first stage.
 */
export interface StagesIR {
  readonly kind: "stages"
  readonly count: number
  readonly signal: SignalIR
  readonly patience: number
  readonly threshold: number
  readonly max?: number
  readonly span: Span
}

/**
 * AutoLRS (Jin et al. 2021): training in stages of `every` updates; at the start of each, `trials`
 * candidate values in `[min, max]` (log scale, proposed by Bayesian optimisation) are each tried
 * for `trial` updates from the same snapshot, each trial's loss curve is extrapolated to the end of
 * the stage by `a * exp(b * t) + c`, and the stage runs with the best. The value of stage `k` is
 * chosen by the run; drawn (plots, range checks) at the geometric mean of `min` and `max`.
 */
export interface AutoLrsIR {
  readonly kind: "autolrs"
  readonly min: number
  readonly max: number
  readonly every: number
  readonly trial: number
  readonly trials: number
  readonly span: Span
}

/**
 * Reduce on plateau (PyTorch's ReduceLROnPlateau): `max(schedule(t) * factor^k, min)`, where `k`
 * counts the reductions so far. The only schedule with state: each observation of `signal` that is
 * not better than the best by `threshold` (relative or absolute) is a bad one; after more than
 * `patience` in a row (outside `cooldown`) `k` grows by one, when that changes the value by more
 * than `eps`. Drawn (plots, range checks) with `k = 0`.
 */
export interface PlateauIR {
  readonly kind: "plateau"
  readonly schedule: ScheduleIR
  readonly signal: SignalIR
  readonly mode: "min" | "max"
  readonly factor: number
  readonly patience: number
  readonly threshold: number
  readonly thresholdMode: "rel" | "abs"
  readonly cooldown: number
  readonly min: number
  readonly eps: number
  readonly span: Span
}
