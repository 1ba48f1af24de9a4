/**
 * The language's words with a line of documentation each (specs/language.md): the lexer's
 * keywords and the first words that give a member its meaning. Completion offers them, hover
 * explains them, and the TextMate grammar's test checks it colours every one.
 */
export const keywordDocs: Readonly<Record<string, string>> = {
  lrs: "`lrs 1`: the version header every file starts with.",
  import: "`import \"path\" as alias`: another file's params and schedules, as `alias.NAME` (the path is relative to this file).",
  as: "`import \"path\" as alias`: the name an import's declarations are reached by.",
  param: "`param NAME = expression`: a named number (literals, other params, `+ - * /`); `--set` and sweeps replace it.",
  schedule: "`schedule NAME = schedule`: a named schedule, logged every logged step under its name.",
  experiment: "`experiment NAME { ... }`: the run: data, model, optimizer, budget, schedules and statements. One per file.",
  sweep: "`sweep { NAME in VALUES ... }`: variations of root params and experiment fields; `zip { ... }` varies axes together.",
  zip: "`zip { a in [...] b in [...] }` inside a sweep: axes that vary together and must have as many values each.",
  curriculum: "`curriculum { score, order, pacing, sampler }`: which training examples a batch may draw from as training goes on.",
  stream: "`stream { tasks, scenario, budgets, replay, regularizer, ... }`: a continual-learning stream of tasks trained one after another, evaluated on all of them.",
  rl: "`rl { algorithm, budget, length_limit, group_size, curriculum }`: how an experiment whose `data` is an environment learns from it (ppo, reinforce, grpo).",
  evaluate: "`evaluate every N [on test|validation] [[metrics]]`: evaluate on a held-out split at update 0, every N updates and at the end.",
  log: "`log every N [[signals]]`: a metrics row every N updates and at the last, with `loss`, `lr`, every named schedule and the listed signals.",
  checkpoint: "`checkpoint every N`: write a checkpoint every N updates, at the end and at an early stop (`lrs resume` restarts from it).",
  until: "`until CONDITION`: stop after the update at which the condition first holds (`until ema(test.accuracy, 0.5) >= 0.99`).",
  every: "`every N steps|epochs|samples`: an interval; it must carry a unit.",
  on: "`on test|validation`: the split an evaluation uses. (Triggers, `on ...` as a statement, are reserved.)",
  in: "`NAME in VALUES` inside a sweep: a list, an integer range `a..b`, `log(from, to, count)` or `linspace(from, to, count)`.",
  for: "`schedule for LENGTH`: a segment of a schedule with its length (`linear(0 -> peak) for 5%`).",
  then: "`a for LENGTH then b`: schedule segments in order, each seeing the time since its own start.",
  true: "The boolean true.",
  false: "The boolean false."
}

export const keywords: ReadonlyArray<string> = Object.keys(keywordDocs)
