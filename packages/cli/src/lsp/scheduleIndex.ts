import type { RunIR, ScheduleIR } from "@lrs/compiler"
import type { Span } from "@lrs/dsl"

/** A compiled schedule found by the source it came from, with the span of steps it fills there. */
export interface Placed {
  readonly node: ScheduleIR
  /** Steps of its own time: the run's for a top-level schedule, a segment's length inside a sequence. */
  readonly steps: number
  /** Where it is used: `schedule lr`, `optimizer.lr`, ... */
  readonly where: string
}

const key = (span: Span): string => `${span.file}:${span.start.offset}:${span.end.offset}`

/**
 * Every node of the run's schedules by the source span that produced it. Each IR node keeps its
 * span, so a call under the cursor finds what it compiled to without compiling anything again.
 * The outermost node wins where a constructor compiles to several (`warmup` is a sequence whose
 * parts carry the call's span too), and the first use where a schedule is used twice.
 */
export class ScheduleIndex {
  private readonly nodes = new Map<string, Placed>()

  constructor(roots: ReadonlyArray<readonly [string, ScheduleIR]>, steps: number) {
    for (const [where, node] of roots) this.add(node, steps, where)
  }

  get(span: Span): Placed | undefined {
    return this.nodes.get(key(span))
  }

  private add(node: ScheduleIR, steps: number, where: string): void {
    const k = key(node.span)
    if (!this.nodes.has(k)) this.nodes.set(k, { node, steps, where })
    switch (node.kind) {
      case "sequence":
        node.segments.forEach((seg, i) => this.add(seg.schedule, (node.segments[i + 1]?.start ?? steps) - seg.start, where))
        return
      case "repeat":
        // Its body is compiled over one (the first) period.
        this.add(node.schedule, node.period, where)
        return
      case "sampled":
      case "plateau":
        this.add(node.schedule, steps, where)
        return
      case "binary":
        this.add(node.left, steps, where)
        this.add(node.right, steps, where)
        return
      case "negate":
        this.add(node.operand, steps, where)
        return
      default:
        return
    }
  }
}

const hyperparameters = [["lr", "lr"], ["momentum", "momentum"], ["beta1", "beta1"], ["beta2", "beta2"], ["weightDecay", "weight_decay"]] as const

/** The schedules of a run: its named ones first, then every other place the IR holds one. */
export const runSchedules = (ir: RunIR): Array<readonly [string, ScheduleIR]> => {
  const out: Array<readonly [string, ScheduleIR]> = Object.entries(ir.schedules).map(([name, s]) => [`schedule ${name}`, s] as const)
  const optimizer = ir.optimizer as unknown as Readonly<Record<string, ScheduleIR | undefined>>
  for (const [field, name] of hyperparameters) {
    const s = optimizer[field]
    if (s !== undefined) out.push([`optimizer.${name}`, s])
  }
  out.push(["model.dropout", ir.model.dropout])
  if (ir.curriculum !== undefined) {
    out.push(["curriculum.pacing", ir.curriculum.pacing])
    if (ir.curriculum.bandit !== undefined) out.push(["curriculum.bandit.temperature", ir.curriculum.bandit.temperature])
  }
  return out
}
