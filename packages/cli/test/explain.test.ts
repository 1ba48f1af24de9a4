import { describe, expect, it } from "@effect/vitest"
import { codes, explainText } from "@lrs/compiler"
import { spawnSync } from "node:child_process"
import { join, resolve } from "node:path"

/** The real CLI in a subprocess, as a user runs it. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const lrs = (args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("lrs explain", () => {
  it("prints the code, its title, the explanation and both examples", () => {
    const r = lrs(["explain", "LRS3003"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(explainText("LRS3003"))
    expect(r.stdout.startsWith(`LRS3003: ${codes.LRS3003}\n\n`)).toBe(true)
    expect(r.stdout).toContain("\nWrong:\n\n    lrs 1\n")
    expect(r.stdout).toContain("\nFixed:\n\n    lrs 1\n")
  })

  it("accepts the code in lower case and without its prefix", () => {
    const expected = explainText("LRS1008")
    for (const typed of ["lrs1008", "1008"]) {
      const r = lrs(["explain", typed])
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(expected)
    }
  })

  it("shows the --set flags an example is compiled with", () => {
    const r = lrs(["explain", "LRS9001"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("    with --set lr=3e-3\n")
  })

  it("exits 2 on an unknown code and names the closest codes", () => {
    const r = lrs(["explain", "LRS1104"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    // LRS4104 is as close by edit distance, but LRS1004 is of the same family.
    expect(r.stderr.trim()).toBe("lrs: unknown code LRS1104; the closest is LRS1004")
    const several = lrs(["explain", "3009"])
    expect(several.code).toBe(2)
    expect(several.stderr.trim()).toBe("lrs: unknown code LRS3009; the closest are LRS3001, LRS3002, LRS3003, LRS3004, LRS3005, LRS3006")
  })

  it("lists the codes when none is close", () => {
    const r = lrs(["explain", "E0308"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("lrs: unknown code E0308; the codes are LRS0001, ")
    expect(r.stderr).toContain("LRS9002")
  })

  it("is described in --help", () => {
    const r = lrs(["--help"])
    expect(r.stdout).toMatch(/explain\s+Explain a diagnostic code, with a wrong and a fixed example/)
  })
})
