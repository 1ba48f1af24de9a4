import { Context, Effect, Layer } from "effect"

export interface Progress {
  readonly step: number
  readonly steps: number
  readonly loss: number
  readonly lr: number
  readonly etaSeconds: number
}

/**
 * What the user sees while a run goes: a redrawn progress bar on a terminal, plain periodic lines
 * otherwise (logs, CI). The trainer calls it at every logged step; the layer decides what to show.
 */
export class Reporter extends Context.Service<Reporter, {
  readonly line: (text: string) => Effect.Effect<void>
  readonly progress: (p: Progress) => Effect.Effect<void>
  /** Ends the progress display so the next line starts clean. */
  readonly done: Effect.Effect<void>
}>()("@lrs/runtime/run/Reporter") {
  /** `write` receives raw text (no newline added); `tty` picks the bar over plain lines. */
  static readonly layer = (options: { readonly tty: boolean; readonly write: (text: string) => void; readonly columns?: number }) =>
    Layer.sync(Reporter, () => (options.tty ? ttyReporter(options.write, options.columns ?? 80) : plainReporter(options.write)))

  /** Collects lines in memory, for tests. */
  static readonly layerMemory = (lines: Array<string>) =>
    Layer.succeed(Reporter, Reporter.of({
      line: (text) => Effect.sync(() => void lines.push(text)),
      progress: (p) => Effect.sync(() => void lines.push(progressText(p))),
      done: Effect.void
    }))
}

const eta = (seconds: number): string =>
  !Number.isFinite(seconds) ? "?" : seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.round(seconds)}s`

export const progressText = (p: Progress): string =>
  `step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ETA ${eta(p.etaSeconds)}`

const plainReporter = (write: (text: string) => void): Reporter["Service"] => {
  // About ten lines per run, whatever its length.
  let nextShare = 0
  return Reporter.of({
    line: (text) => Effect.sync(() => write(text + "\n")),
    progress: (p) =>
      Effect.sync(() => {
        const share = p.step / p.steps
        if (share >= nextShare || p.step === p.steps) {
          write(progressText(p) + "\n")
          nextShare = Math.floor(share * 10 + 1) / 10
        }
      }),
    done: Effect.void
  })
}

const ttyReporter = (write: (text: string) => void, columns: number): Reporter["Service"] => {
  let drawn = false
  const clear = () => {
    if (drawn) write("\r\x1b[2K")
    drawn = false
  }
  return Reporter.of({
    line: (text) =>
      Effect.sync(() => {
        clear()
        write(text + "\n")
      }),
    progress: (p) =>
      Effect.sync(() => {
        const text = progressText(p)
        const width = Math.max(10, Math.min(30, columns - text.length - 4))
        const filled = Math.round((p.step / p.steps) * width)
        write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`)
        drawn = true
      }),
    done: Effect.sync(() => {
      if (drawn) write("\n")
      drawn = false
    })
  })
}
