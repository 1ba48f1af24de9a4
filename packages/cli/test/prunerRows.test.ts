import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { prunerRows } from "../src/sweep/prunerRows.ts"

const row = (step: number) => ({ kind: "eval", step, split: "test", accuracy: step / 1000 })

describe("the rows a prune rule counts", () => {
  it("counts a pruned trial only up to the update it was stopped at, and every row of any other", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-pruner-rows-"))
    try {
      writeFileSync(join(dir, "metrics.jsonl"), [0, 100, 200, 300].map((s) => JSON.stringify(row(s)) + "\n").join(""))
      expect(prunerRows(dir).map((r) => r["step"])).toEqual([0, 100, 200, 300])
      // Stopped at 200; the row at 300 came from the time its process took to stop.
      writeFileSync(join(dir, "pruned.json"), JSON.stringify({ step: 200, value: 0.2, against: 0.5, rule: "median" }) + "\n")
      expect(prunerRows(dir).map((r) => r["step"])).toEqual([0, 100, 200])
      expect(prunerRows(join(dir, "missing"))).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
