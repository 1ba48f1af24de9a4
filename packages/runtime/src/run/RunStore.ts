import { Context, Effect, FileSystem, Layer, Path, Schema, type Scope } from "effect"
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs"
import { metricsRows } from "@lrs/compiler"
import { encodeEvent, frameRecord, rowScalars } from "./tensorboard.ts"

/** A run directory could not be created or written. */
export class RunStoreError extends Schema.TaggedError<RunStoreError>()("RunStoreError", {
  path: Schema.String,
  message: Schema.String
}) {}

/** The files of one run, opened by `RunStore.create`. */
export interface RunDirectory {
  readonly path: string
  /** Writes a whole file in the run directory (spec, IR, summary), creating its folder. */
  readonly write: (name: string, content: string) => Effect.Effect<void, RunStoreError>
  readonly writeBytes: (name: string, content: Uint8Array) => Effect.Effect<void, RunStoreError>
  /** Renames within the run directory: how a checkpoint written aside becomes visible at once. */
  readonly rename: (from: string, to: string) => Effect.Effect<void, RunStoreError>
  readonly readText: (name: string) => Effect.Effect<string, RunStoreError>
  readonly readBytes: (name: string) => Effect.Effect<Uint8Array, RunStoreError>
  readonly list: (name: string) => Effect.Effect<ReadonlyArray<string>, RunStoreError>
  /**
   * `metrics.jsonl` opened for appending, closed with the scope, with its TensorBoard mirror
   * `tb/events.out.tfevents.0.lrs` rewritten from the rows already there (a resumed run's file then
   * holds exactly what metrics.jsonl holds) and appended to with every row.
   */
  readonly openMetrics: Effect.Effect<MetricsLog, RunStoreError, Scope.Scope>
  /** `run.lock` holding this process's id while the scope lasts: how `lrs runs` tells a running run from a crashed one. */
  readonly lock: Effect.Effect<void, RunStoreError, Scope.Scope>
}

/** The append-only `metrics.jsonl` of a run. */
export interface MetricsLog {
  /** Appends one JSON line; the row is written (in the OS, so a killed process keeps it) before training goes on. */
  readonly append: (row: Readonly<Record<string, unknown>>) => Effect.Effect<void, RunStoreError>
}

/**
 * Where runs are written. `create` makes `<root>/<name>` (or `<name>-2`, `-3`, ... when that exists,
 * so nothing earlier is overwritten), or exactly `--out DIR` when one is given.
 */
export class RunStore extends Context.Service<RunStore, {
  readonly create: (options: { readonly root: string; readonly name: string } | { readonly out: string }) => Effect.Effect<RunDirectory, RunStoreError>
  /** An existing run directory, for `lrs resume`. */
  readonly reopen: (dir: string) => Effect.Effect<RunDirectory, RunStoreError>
}>()("@lrs/runtime/run/RunStore") {
  static readonly layer = Layer.effect(
    RunStore,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const fail = (p: string) => (e: { readonly message: string }) => new RunStoreError({ path: p, message: e.message })
      const failWith = (p: string) => (e: unknown) => fail(p)({ message: e instanceof Error ? e.message : String(e) })

      // One descriptor (two, with TensorBoard's) for the run and synchronous writes, on purpose: an awaited async append (open,
      // write, close on libuv's thread pool) idles the trainer ~360 us per row, a synchronous
      // appendFileSync (open, write, close) ~40 us; a write on an open descriptor costs a few us.
      const openMetrics = (dir: string) => {
        const file = path.join(dir, "metrics.jsonl")
        const events = path.join(dir, "tb", "events.out.tfevents.0.lrs")
        const record = (step: number, row: Readonly<Record<string, unknown>>): Uint8Array | undefined => {
          const scalars = rowScalars(row)
          return scalars.length === 0 ? undefined : frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step, scalars }))
        }
        const open = Effect.try({
          try: () => {
            const fd = openSync(file, "a")
            mkdirSync(path.dirname(events), { recursive: true })
            const tb = openSync(events, "w")
            writeSync(tb, frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: "brain.Event:2" })))
            const kept = metricsRows(readFileSync(file, "utf8"))
            for (const { row } of "rows" in kept ? kept.rows : []) {
              const r = record(typeof row["step"] === "number" ? row["step"] : 0, row)
              if (r !== undefined) writeSync(tb, r)
            }
            return { fd, tb }
          },
          catch: failWith(file)
        })
        return Effect.acquireRelease(open, ({ fd, tb }) => Effect.sync(() => (closeSync(fd), closeSync(tb)))).pipe(
          Effect.map(({ fd, tb }): MetricsLog => ({
            append: (row) =>
              Effect.try({
                try: () => {
                  writeSync(fd, JSON.stringify(row) + "\n")
                  const r = record(typeof row["step"] === "number" ? row["step"] : 0, row)
                  if (r !== undefined) writeSync(tb, r)
                },
                catch: failWith(file)
              })
          }))
        )
      }

      const inDir = (dir: string, name: string) => {
        const file = path.join(dir, name)
        return fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(Effect.as(file), Effect.mapError(fail(file)))
      }
      const open = (dir: string): RunDirectory => ({
        path: dir,
        write: (name, content) => inDir(dir, name).pipe(Effect.flatMap((file) => fs.writeFileString(file, content).pipe(Effect.mapError(fail(file))))),
        writeBytes: (name, content) => inDir(dir, name).pipe(Effect.flatMap((file) => fs.writeFile(file, content).pipe(Effect.mapError(fail(file))))),
        rename: (from, to) => fs.rename(path.join(dir, from), path.join(dir, to)).pipe(Effect.mapError(fail(path.join(dir, to)))),
        readText: (name) => fs.readFileString(path.join(dir, name)).pipe(Effect.mapError(fail(path.join(dir, name)))),
        readBytes: (name) => fs.readFile(path.join(dir, name)).pipe(Effect.mapError(fail(path.join(dir, name)))),
        list: (name) => fs.readDirectory(path.join(dir, name)).pipe(Effect.orElseSucceed(() => [] as Array<string>)),
        openMetrics: openMetrics(dir),
        lock: Effect.acquireRelease(
          fs.writeFileString(path.join(dir, "run.lock"), `${process.pid}\n`).pipe(Effect.mapError(fail(path.join(dir, "run.lock")))),
          () => fs.remove(path.join(dir, "run.lock")).pipe(Effect.ignore)
        )
      })

      const create = Effect.fn("RunStore.create")(function*(options: { readonly root: string; readonly name: string } | { readonly out: string }) {
        if ("out" in options) {
          const dir = path.resolve(options.out)
          const existing = yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed(() => [] as Array<string>))
          if (existing.includes("metrics.jsonl")) {
            return yield* new RunStoreError({ path: dir, message: "it already holds a run (metrics.jsonl); choose another --out or remove it" })
          }
          yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fail(dir)))
          return open(dir)
        }
        const root = path.resolve(options.root)
        yield* fs.makeDirectory(root, { recursive: true }).pipe(Effect.mapError(fail(root)))
        for (let n = 1; ; n++) {
          const dir = path.join(root, n === 1 ? options.name : `${options.name}-${n}`)
          const taken = yield* fs.exists(dir).pipe(Effect.mapError(fail(dir)))
          if (!taken) {
            yield* fs.makeDirectory(dir).pipe(Effect.mapError(fail(dir)))
            return open(dir)
          }
        }
      })
      const reopen = Effect.fn("RunStore.reopen")(function*(dir: string) {
        const resolved = path.resolve(dir)
        const isRun = yield* fs.exists(path.join(resolved, "ir.json")).pipe(Effect.mapError(fail(resolved)))
        if (!isRun) return yield* new RunStoreError({ path: resolved, message: "it is not a run directory (no ir.json)" })
        return open(resolved)
      })
      return RunStore.of({ create, reopen })
    })
  )
}
