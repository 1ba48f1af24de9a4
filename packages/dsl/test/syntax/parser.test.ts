import { describe, expect, it } from "@effect/vitest"
import { LrsParser } from "../../src/syntax/parser.ts"

describe("LrsParser", () => {
  // The shared parser skips Chevrotain's grammar validation to start faster; this keeps the grammar honest.
  it("passes Chevrotain's grammar validation (no ambiguity, no left recursion)", () => {
    expect(() => new LrsParser({ validate: true })).not.toThrow()
  })
})
