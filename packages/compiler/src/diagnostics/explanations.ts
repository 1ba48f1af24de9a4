import { type Code, codes } from "./codes.ts"

/**
 * `lrs explain CODE`: for every diagnostic code, what the rule is and why, with a spec that breaks
 * it and the same spec fixed. A test compiles every example, so they cannot drift from the
 * compiler: each wrong one must report its code and each fixed one must compile cleanly.
 */

/** A complete spec, compiled as `example.lrs`; `files` are the files it imports, by path relative to it. */
export interface Example {
  readonly spec: string
  /** `--set name=value`s to compile it with. */
  readonly overrides?: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly files?: Readonly<Record<string, string>>
  /** Compile this trial of the sweep (`--trial N`). */
  readonly trial?: number
}

export interface Explanation {
  /** What the rule is and why, in a few plain sentences. */
  readonly explanation: string
  readonly wrong: Example
  readonly fixed: Example
}

/** The file name examples are compiled under; imports resolve relative to it. */
export const exampleFile = "example.lrs"

const lines = (...ls: ReadonlyArray<string>): string => ls.join("\n") + "\n"

export const explanations: { readonly [C in Code]: Explanation } = {
  LRS0001: {
    explanation:
      "The file contains a character that is not part of the language, such as `;`, `#` or `@`. Lines need no terminator, and comments start with `//` (to the end of the line) or are written `/* ... */`; shell-style `#` comments are not comments in lrs.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 500;",
        "  data = spirals()",
        "  model = mlp(hidden = [32, 32])",
        "  optimizer = sgd(lr = 0.1)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp(hidden = [32, 32])",
        "  optimizer = sgd(lr = 0.1)",
        "}"
      )
    }
  },
  LRS0002: {
    explanation:
      "A string was opened with `\"` but not closed on the same line. Strings (import paths) cannot span lines, so the compiler stops the string at the end of the line and reports it.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs as common",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.peak)",
        "}"
      ),
      files: { "common.lrs": lines("lrs 1", "param peak = 3e-3") }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.peak)",
        "}"
      ),
      files: { "common.lrs": lines("lrs 1", "param peak = 3e-3") }
    }
  },
  LRS0003: {
    explanation:
      "A backslash in a string starts an escape, and only the JSON escapes are valid: `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`. Import paths are separated by `/` on every platform, so a Windows-style `\\` in a path is usually the cause.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./shared\\warmup.lrs\" as shared",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = shared.peak)",
        "}"
      ),
      files: { "shared/warmup.lrs": lines("lrs 1", "param peak = 3e-3") }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./shared/warmup.lrs\" as shared",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = shared.peak)",
        "}"
      ),
      files: { "shared/warmup.lrs": lines("lrs 1", "param peak = 3e-3") }
    }
  },
  LRS0004: {
    explanation:
      "Brackets, or unary minus signs, are nested more than 64 levels deep, or an expression is more than 256 levels deep. No hand-written spec comes near these limits; they keep the compiler from exhausting its stack on generated input. Simplify the expression, or name its parts with `param`.",
    wrong: {
      spec: lines(
        "lrs 1",
        `param peak = ${"(".repeat(65)}3e-3${")".repeat(65)}`,
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    }
  },
  LRS0100: {
    explanation:
      "The file does not follow the grammar: a bracket is not closed, a comma or `=` is missing, or a token appears where it cannot. The message says what was expected and what was found; the real mistake is often just before the place it points at.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp(hidden = [64, 64)",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp(hidden = [64, 64])",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS0005: {
    explanation:
      "The file has more than 100 syntax errors, so checking stopped there instead of reporting a cascade of consequences. This usually means the file is not an lrs spec at all (a YAML or Python config passed by mistake), or an early unclosed bracket or string swallowed the rest. Fix the first errors and check again.",
    wrong: {
      spec: lines("lrs 1", ...Array.from({ length: 101 }, (_, i) => `layer_${i} == 64`), "experiment baseline {", "  steps = 2000", "  data = spirals()", "  model = mlp()", "  optimizer = adam(lr = 1e-3)", "}")
    },
    fixed: {
      spec: lines("lrs 1", "experiment baseline {", "  steps = 2000", "  data = spirals()", "  model = mlp(hidden = [64, 64])", "  optimizer = adam(lr = 1e-3)", "}")
    }
  },
  LRS1001: {
    explanation:
      "Every file, imported ones included, starts with `lrs 1`: the version of the language it is written in. The header lets later releases change the language without silently changing what old files mean; this release reads version 1 only.",
    wrong: {
      spec: lines(
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 500",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS1002: {
    explanation:
      "A line starts with a word that is not a declaration or statement the place it is in accepts. At the top level a file takes `param`, `schedule`, `experiment` and `sweep`; an experiment takes fields, `schedule NAME = ...` and the statements `evaluate`, `log`, `checkpoint` and `until`. It is usually a typo, and the help names the closest keyword.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evalute every 200 steps on test [accuracy, loss]",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evaluate every 200 steps on test [accuracy, loss]",
        "}"
      )
    }
  },
  LRS1003: {
    explanation:
      "An experiment has a fixed set of fields: `seed`, `steps`, `epochs`, `batch`, `data`, `model` and `optimizer`. Anything else is rejected rather than ignored, so a misspelled or misplaced setting cannot silently have no effect. Hyperparameters of the optimizer, such as the learning rate or weight decay, are arguments of the optimizer, not fields.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  weight_decay = 1e-4",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adamw(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adamw(lr = 1e-3, weight_decay = 1e-4)",
        "}"
      )
    }
  },
  LRS1004: {
    explanation:
      "The file compiled has no `experiment NAME { ... }` block, so there is nothing to run. Files that only hold params and schedules are meant to be imported by a spec that declares the experiment; check or run that spec instead, or add an experiment.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "schedule warmup_cosine = linear(0 -> peak) for 5% then cosine(peak -> 0)"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "schedule warmup_cosine = linear(0 -> peak) for 5% then cosine(peak -> 0)",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = warmup_cosine)",
        "}"
      )
    }
  },
  LRS1005: {
    explanation:
      "A file declares at most one experiment in this release: one file, one run. To compare variants, keep the shared params and schedules in a file both import, or declare a `sweep` over the values that differ.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment small {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp(hidden = [16])",
        "  optimizer = adam(lr = 1e-3)",
        "}",
        "experiment large {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp(hidden = [128, 128])",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param width = 16",
        "experiment mlp_width {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp(hidden = [width, width])",
        "  optimizer = adam(lr = 1e-3)",
        "}",
        "sweep {",
        "  width in [16, 128]",
        "}"
      )
    }
  },
  LRS1006: {
    explanation:
      "The same name, field, argument or clause is given twice where only one can apply: two params or schedules with one name, a field or statement repeated in an experiment, an argument passed twice, two import aliases alike, or a name swept twice. The compiler does not pick one for you, because either choice could be the one you meant.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    }
  },
  LRS1007: {
    explanation:
      "Something that has no sensible default is missing. An experiment needs a budget (`steps` or `epochs`), `data`, `model` and `optimizer`, and every optimizer needs its `lr`; a shape such as `constant(...)` needs its value. Everything else has a default that `lrs check` shows in the resolved spec.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals(classes = 3)",
        "  model = mlp(hidden = [64, 64])",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals(classes = 3)",
        "  model = mlp(hidden = [64, 64])",
        "  optimizer = adamw(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS1008: {
    explanation:
      "A name is used that no param, schedule or import alias defines where it is used. Names are looked up in the experiment's own schedules, then the file's params and schedules; a name from an imported file is written `alias.name`. The help names the closest defined name when there is one.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peek)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    }
  },
  LRS1009: {
    explanation:
      "`data`, `model` and `optimizer` are built by calling one of a fixed set of constructors: `spirals(...)` for data, `mlp(...)` for the model, and `sgd(...)`, `adam(...)` or `adamw(...)` for the optimizer. A name outside that set cannot be run by any backend, so it is rejected at compile time.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = rmsprop(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS1010: {
    explanation:
      "A call is given an argument its constructor does not take, or more positional arguments than it has parameters. Arguments are not passed through unchecked, so a misspelled or misplaced hyperparameter is an error rather than a setting that silently does nothing. For example `momentum` belongs to `sgd`; Adam's equivalent is `beta1`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3, momentum = 0.9)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3, beta1 = 0.9)",
        "}"
      )
    }
  },
  LRS1011: {
    explanation:
      "A param or schedule is defined in terms of itself, directly or through other definitions, so it has no value. Give one of the definitions in the cycle a literal value and define the others from it.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = floor * 100",
        "param floor = peak / 100",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = cosine(peak -> floor))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "param floor = peak / 100",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = cosine(peak -> floor))",
        "}"
      )
    }
  },
  LRS1012: {
    explanation:
      "A statement or block is missing a part it needs, or has a part it does not take. `evaluate`, `log` and `checkpoint` need an interval (`every N steps`); `checkpoint` takes no metrics; an experiment needs a name and a sweep has none. The help shows the statement's usual form.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evaluate on test [accuracy]",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evaluate every 200 steps on test [accuracy]",
        "}"
      )
    }
  },
  LRS1013: {
    explanation:
      "A `sweep` block is reserved inside an experiment: sweeps are declared at the top level of the file, beside the experiment they vary.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  sweep { seed in 1..3 }",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}",
        "sweep { seed in 1..3 }"
      )
    }
  },
  LRS1014: {
    explanation:
      "The training budget is given both as `steps` and as `epochs`. The budget is counted one way only, and the two could disagree, so keep one of them. A length in epochs is converted to steps with the data's training split and the batch size.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  epochs = 20",
        "  batch = 64",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  epochs = 20",
        "  batch = 64",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS1015: {
    explanation:
      "A param or a top-level schedule is declared but nothing in the experiment refers to it. This is a warning, not an error: the run is unaffected. It matters when the name is set with `--set` or swept, because then every trial is the same run; the usual cause is a hyperparameter written as a literal instead of the param.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 3e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      )
    }
  },
  LRS1016: {
    explanation:
      "Two fields of an experiment ask for things that do not work together in this release, so the run would not do what the spec says. An `ensemble` (HDET) averages its replicas itself, splits each batch among them and drives their learning rates from an ordinary schedule, so it cannot be combined with `average`, an `autolrs` learning rate, a `curriculum`, or `on_nonfinite = rollback`; a `curriculum` cannot be combined with an `autolrs` learning rate either (its trials would each see other batches). In `grpo(...)`, `entropy_target` (Entrocraft's entropic weights) cannot be combined with an entropy band (`entropy_low`, `entropy_high`): both steer the advantages by the batch's entropy. Remove one of the two; the message says which and why.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment together {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adamw(lr = cosine(1e-2 -> 0))",
        "  ensemble = hdet(replicas = 4)",
        "  average = ema(0.99)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment together {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adamw(lr = cosine(1e-2 -> 0))",
        "  ensemble = hdet(replicas = 4)",
        "}"
      )
    }
  },
  LRS2001: {
    explanation:
      "A value has the wrong kind: a number where a list is expected, a fraction where a whole number is expected, a bare number where a length with a unit is expected, or a schedule where a constant is expected. The message says what was expected and what was found.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp(hidden = 128)",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp(hidden = [128])",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS2002: {
    explanation:
      "A value has the right kind but lies outside what the setting allows: a negative learning rate, a beta of 1 or more, fewer than two classes, a `test_fraction` that leaves a split empty, or a word that is not one of the choices. Such runs would fail or train nonsense, so they are rejected before anything runs.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals(classes = 1)",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals(classes = 2)",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      )
    }
  },
  LRS2003: {
    explanation:
      "A quantity has a unit the language does not know. Lengths are written in `steps`, `epochs`, `samples` (or `tasks`, `tokens`, `env_steps` and `iterations` where the experiment has such an axis), or as a `%` of the enclosing span. Units are always plural.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) for 100 step then cosine(1e-3 -> 0))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) for 100 steps then cosine(1e-3 -> 0))",
        "}"
      )
    }
  },
  LRS2004: {
    explanation:
      "A quantity with a unit is written where the setting does not take that unit: a plain number such as a seed or a batch size, or an interval (`every ...`) given as a `%`. Intervals are counted in steps, epochs or samples; only schedule segments take a share of their span.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  checkpoint every 10%",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  checkpoint every 200 steps",
        "}"
      )
    }
  },
  LRS2005: {
    explanation:
      "Every length ends up as a number of steps, and this unit cannot be converted here. `env_steps` is the axis of an rl experiment (`data = cartpole()`), where `epochs` and `samples` have no meaning, and `tokens` the same on a token task (`data = digit_sum()`); an rl experiment whose budget is `steps = N iterations` counts iterations instead, and the two never convert into each other (an iteration's env steps vary); `tasks` needs a `stream` block; `epochs` and `samples` need a valid `data` and `batch`. Give the length in `steps`, `epochs`, `samples` or as a `%` of the span.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) for 50000 tokens then cosine(1e-3 -> 0))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) for 5% then cosine(1e-3 -> 0))",
        "}"
      )
    }
  },
  LRS3001: {
    explanation:
      "A schedule is called by a name that is not one of the built-in shapes. This release has `constant(v)`, `linear(from -> to)` and `cosine(from -> to)`; longer schedules are built by joining segments with `then` and by arithmetic on schedules.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = cosin(1e-3 -> 0))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = cosine(1e-3 -> 0))",
        "}"
      )
    }
  },
  LRS3002: {
    explanation:
      "In `a for N then b for M then c`, every segment but the last needs a length (`for 500 steps`, `for 5%`); the last one fills whatever is left of the span. Without a length the compiler cannot tell where one segment ends and the next begins.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) then cosine(1e-3 -> 0))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = linear(0 -> 1e-3) for 5% then cosine(1e-3 -> 0))",
        "}"
      )
    }
  },
  LRS3003: {
    explanation:
      "The segments of a schedule add up to more than the span they fill: the run's budget for a schedule at the top, or the enclosing segment's length for a nested one. A schedule that would need steps the run never takes is almost surely a mistake, often a warmup written for a longer run. Shorten the segments or give lengths as a `%` so they scale with the budget.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = warmup)",
        "  schedule warmup = linear(0 -> 1e-3) for 2000 steps then cosine(1e-3 -> 0)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 1000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = warmup)",
        "  schedule warmup = linear(0 -> 1e-3) for 10% then cosine(1e-3 -> 0)",
        "}"
      )
    }
  },
  LRS3004: {
    explanation:
      "A schedule's arguments do not fit together: an `exponential` (geometric) decay to 0, `piecewise` values that do not match its milestones, a warmup longer than its span. Each shape's message says which rule it breaks. Note that a shape always fills its segment, so its length comes from `for ...` on the segment, not from an argument.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = exponential(1e-3 -> 0))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = exponential(1e-3 -> 1e-5))",
        "}"
      )
    }
  },
  LRS3005: {
    explanation:
      "A scheduled hyperparameter leaves its valid range at some step of the run: a learning rate that goes negative, or a momentum or beta that reaches 1. The compiler evaluates the schedule over every step and reports the first step where it goes out of range, so the run cannot diverge halfway through because of it.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = sgd(lr = 0.1, momentum = linear(0.85 -> 1.05))",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = sgd(lr = 0.1, momentum = linear(0.85 -> 0.95))",
        "}"
      )
    }
  },
  LRS3006: {
    explanation:
      "`refined(from = RUN_DIR, peak = ...)` builds a learning-rate schedule from the gradient norms a previous run logged (Defazio et al.'s refinement), so it reads that run's `metrics.jsonl` while the spec compiles. The run directory must exist (relative paths start at the spec's folder), and its train rows must carry the signal being refined (`grad_norm` unless `signal` says otherwise) as positive numbers at two or more steps: log it in the baseline with `log every 1 steps [grad_norm]`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment refined_run {",
        "  steps = 100",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = sgd(lr = refined(from = \"runs/baseline\", peak = 0.1))",
        "}"
      ),
      files: { "runs/baseline/metrics.jsonl": lines("{\"kind\":\"train\",\"step\":0,\"loss\":1.1}", "{\"kind\":\"train\",\"step\":1,\"loss\":1.0}") }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment refined_run {",
        "  steps = 100",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = sgd(lr = refined(from = \"runs/baseline\", peak = 0.1))",
        "}"
      ),
      files: { "runs/baseline/metrics.jsonl": lines("{\"kind\":\"train\",\"step\":0,\"loss\":1.1,\"grad_norm\":2.0}", "{\"kind\":\"train\",\"step\":1,\"loss\":1.0,\"grad_norm\":1.5}") }
    }
  },
  LRS4001: {
    explanation:
      "`log` and `until` take signals: `loss` and `grad_norm` (observed at every update), `test.loss` and `test.accuracy` (observed at every evaluation), or `ema(signal, beta)` of one of them. Training accuracy is not measured, so there is no `accuracy` signal; use `test.accuracy`. An rl loop's signals are its iterations' values, `train.return`, `train.entropy`, `train.accuracy` (grpo) and the other `train.*` columns of its rows.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  log every 10 steps [loss, accuracy]",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  log every 10 steps [loss, test.accuracy]",
        "}"
      )
    }
  },
  LRS4002: {
    explanation:
      "A `test.*` signal is used but `evaluate` does not compute that metric, so it would never have a value and a condition on it would never hold. Add the metric to the list in `evaluate`, or leave the list out to compute both `accuracy` and `loss`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evaluate every 250 steps on test [loss]",
        "  until test.accuracy >= 0.97",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  evaluate every 250 steps on test [accuracy, loss]",
        "  until test.accuracy >= 0.97",
        "}"
      )
    }
  },
  LRS4003: {
    explanation:
      "`until` takes a condition that compares a signal with a number, such as `test.accuracy >= 0.97` or `ema(loss, 0.9) < 0.05`. A bare signal or number is not a condition: the run stops after the update at which the comparison first holds.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  until test.accuracy",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  until test.accuracy >= 0.97",
        "}"
      )
    }
  },
  LRS4004: {
    explanation:
      "The statement is part of the language's grammar but not available in this release. Triggers such as `on plateau(...)` arrive with adaptive schedules; until then, a run can only stop early, with `until CONDITION`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  on plateau(test.loss)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 5000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "  until ema(test.loss, 0.9) <= 0.05",
        "}"
      )
    }
  },
  LRS4101: {
    explanation:
      "A `sweep` block holds one axis per line, written `NAME in VALUES`, and `zip { ... }` groups of such lines. Other lines, such as assignments with `=`, are not axes.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  peak = [1e-3, 3e-3, 1e-2]",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  peak in [1e-3, 3e-3, 1e-2]",
        "}"
      )
    }
  },
  LRS4102: {
    explanation:
      "The values of a sweep axis are a list `[a, b, c]`, an integer range `1..5`, `log(from, to, count)` or `linspace(from, to, count)`. A single value, an empty list or an empty range gives the axis nothing to sweep.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  seed in 5..1",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  seed in 1..5",
        "}"
      )
    }
  },
  LRS4103: {
    explanation:
      "A sweep varies the same things `--set` can: the spec's own params and the experiment's top-level fields (`seed`, `steps`, `batch`, ...). An optimizer argument such as `lr` is neither; give it a param, use the param in the optimizer, and sweep the param.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}",
        "sweep {",
        "  lr in log(1e-4, 1e-2, 5)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  peak in log(1e-4, 1e-2, 5)",
        "}"
      )
    }
  },
  LRS4104: {
    explanation:
      "The axes of a `zip { ... }` group vary together, trial by trial, so they must have the same number of values: the first values go together, then the second, and so on. Axes outside a zip combine as a grid instead and may have any lengths.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment batch_scaling {",
        "  steps = 2000",
        "  batch = 32",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  zip {",
        "    batch in [32, 64, 128]",
        "    peak in [1e-3, 2e-3]",
        "  }",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment batch_scaling {",
        "  steps = 2000",
        "  batch = 32",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  zip {",
        "    batch in [32, 64, 128]",
        "    peak in [1e-3, 2e-3, 4e-3]",
        "  }",
        "}"
      )
    }
  },
  LRS4105: {
    explanation:
      "A sweep expands to the product of its axes' lengths, and this one is larger than 100,000 trials. A sweep that size is almost always a mistake, such as a range written with one digit too many; sweep fewer values or split the search into stages.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  seed in 1..1000",
        "  peak in log(1e-5, 1e-1, 200)",
        "}"
      )
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  seed in 1..3",
        "  peak in log(1e-5, 1e-1, 9)",
        "}"
      )
    }
  },
  LRS4106: {
    explanation:
      "`--trial N` compiles trial N of the file's sweep, counting from 0, and the sweep has no such trial (or the file has no sweep at all). The number of trials is the product of the axes' lengths (a zip counts once).",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  peak in [1e-3, 3e-3, 1e-2]",
        "}"
      ),
      trial: 3
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment lr_search {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}",
        "sweep {",
        "  peak in [1e-3, 3e-3, 1e-2]",
        "}"
      ),
      trial: 2
    }
  },
  LRS5001: {
    explanation:
      "An imported file cannot be read: it does not exist or is not readable. Import paths are relative to the file that imports them, not to the directory the command runs in, and are separated by `/`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./schedule.lrs\" as shared",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = shared.warmup_cosine)",
        "}"
      ),
      files: { "lib/schedules.lrs": lines("lrs 1", "schedule warmup_cosine = linear(0 -> 1e-3) for 5% then cosine(1e-3 -> 0)") }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./lib/schedules.lrs\" as shared",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = shared.warmup_cosine)",
        "}"
      ),
      files: { "lib/schedules.lrs": lines("lrs 1", "schedule warmup_cosine = linear(0 -> 1e-3) for 5% then cosine(1e-3 -> 0)") }
    }
  },
  LRS5002: {
    explanation:
      "Files import each other in a circle, so neither can be read first. Imports form a tree: move what both files need into a third file that each imports, and keep the experiment in a file nothing imports.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "param peak = 3e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.warmup_cosine)",
        "}"
      ),
      files: {
        "common.lrs": lines(
          "lrs 1",
          "import \"./example.lrs\" as main",
          "schedule warmup_cosine = linear(0 -> main.peak) for 5% then cosine(main.peak -> 0)"
        )
      }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.warmup_cosine)",
        "}"
      ),
      files: {
        "common.lrs": lines(
          "lrs 1",
          "param peak = 3e-3",
          "schedule warmup_cosine = linear(0 -> peak) for 5% then cosine(peak -> 0)"
        )
      }
    }
  },
  LRS5003: {
    explanation:
      "An imported file declares an `experiment` or a `sweep`. Imported files share params and schedules; the experiment and its sweep belong to the file that is checked or run, so that each run comes from exactly one spec.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.peak)",
        "}"
      ),
      files: {
        "common.lrs": lines(
          "lrs 1",
          "param peak = 3e-3",
          "experiment smoke {",
          "  steps = 10",
          "  data = spirals()",
          "  model = mlp()",
          "  optimizer = adam(lr = peak)",
          "}"
        )
      }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.peak)",
        "}"
      ),
      files: { "common.lrs": lines("lrs 1", "param peak = 3e-3") }
    }
  },
  LRS5004: {
    explanation:
      "A file is imported but none of its names is used. This is a warning: the run is unaffected, but the import makes the spec depend on a file it does not need. Refer to an imported name as `alias.NAME`, or remove the import.",
    wrong: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 3e-3)",
        "}"
      ),
      files: { "common.lrs": lines("lrs 1", "param peak = 3e-3") }
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "import \"./common.lrs\" as common",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = common.peak)",
        "}"
      ),
      files: { "common.lrs": lines("lrs 1", "param peak = 3e-3") }
    }
  },
  LRS9001: {
    explanation:
      "`--set NAME=VALUE` replaces one of the spec's params or one of the experiment's top-level fields, and NAME is neither. Optimizer arguments such as `lr` cannot be set directly: give the value a param in the spec and set the param.",
    wrong: {
      spec: lines(
        "lrs 1",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = 1e-3)",
        "}"
      ),
      overrides: [{ name: "lr", value: "3e-3" }]
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      ),
      overrides: [{ name: "peak", value: "3e-3" }]
    }
  },
  LRS9002: {
    explanation:
      "A `--set` is not of the form `name=value`: the name is not a valid identifier, or the value is empty. Quote the whole argument when the value has spaces, as in `--set \"peak=3e-3 * 2\"`.",
    wrong: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      ),
      overrides: [{ name: "peak", value: "" }]
    },
    fixed: {
      spec: lines(
        "lrs 1",
        "param peak = 1e-3",
        "experiment baseline {",
        "  steps = 2000",
        "  data = spirals()",
        "  model = mlp()",
        "  optimizer = adam(lr = peak)",
        "}"
      ),
      overrides: [{ name: "peak", value: "3e-3" }]
    }
  }
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
const wrap = (text: string, width: number): string => {
  const out: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") out.push(line)
  return out.join("\n")
}

const indent = (text: string): string =>
  text.replace(/\n$/, "").split("\n").map((l) => (l === "" ? "" : `    ${l}`)).join("\n")

const renderExample = (e: Example): string => {
  const parts = [e.files === undefined ? indent(e.spec) : `    // ${exampleFile}\n${indent(e.spec)}`]
  for (const [path, text] of Object.entries(e.files ?? {})) parts.push(`\n    // ${path}\n${indent(text)}`)
  const flags = [
    ...(e.overrides ?? []).map((o) => `--set ${o.name}=${o.value}`),
    ...(e.trial === undefined ? [] : [`--trial ${e.trial}`])
  ]
  if (flags.length > 0) parts.push(`    with ${flags.join(" ")}`)
  return parts.join("\n")
}

/** The text `lrs explain CODE` prints: the code and its title, the explanation, and both examples. */
export const explainText = (code: Code): string => {
  const e = explanations[code]
  return `${code}: ${codes[code]}\n\n${wrap(e.explanation, 90)}\n\nWrong:\n\n${renderExample(e.wrong)}\n\nFixed:\n\n${renderExample(e.fixed)}\n`
}
