import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { RunStore } from "../../src/run/RunStore.ts"

const withStore = <A, E>(f: (store: RunStore["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    return yield* f(yield* RunStore)
  }).pipe(Effect.provide(RunStore.layer), Effect.provide(NodeServices.layer))

describe("RunStore", () => {
  it.effect("names runs <root>/<name>, then <name>-2, <name>-3 rather than overwrite", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const root = mkdtempSync(join(tmpdir(), "lrs-store-"))
        const dirs = [
          yield* store.create({ root, name: "quick-abc" }),
          yield* store.create({ root, name: "quick-abc" }),
          yield* store.create({ root, name: "quick-abc" })
        ]
        assert.deepStrictEqual(dirs.map((d) => basename(d.path)), ["quick-abc", "quick-abc-2", "quick-abc-3"])
      })
    ))

  it.effect("appends one JSON line per metrics row", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const dir = yield* store.create({ out: join(mkdtempSync(join(tmpdir(), "lrs-store-")), "nested", "run") })
        yield* Effect.scoped(Effect.gen(function*() {
          const log = yield* dir.openMetrics
          yield* log.append({ step: 0, loss: 1 })
          yield* log.append({ step: 1, loss: 0.5 })
        }))
        // A reopened log appends after what is there.
        yield* Effect.scoped(Effect.flatMap(dir.openMetrics, (log) => log.append({ step: 2, loss: 0.25 })))
        assert.strictEqual(readFileSync(join(dir.path, "metrics.jsonl"), "utf8"), "{\"step\":0,\"loss\":1}\n{\"step\":1,\"loss\":0.5}\n{\"step\":2,\"loss\":0.25}\n")
      })
    ))
})
