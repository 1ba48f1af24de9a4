import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/** `lrs fmt` in a subprocess, as a user runs it. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const lrs = (args: ReadonlyArray<string>, cwd: string) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const messy = "lrs 1\nexperiment e{seed=1 // why\n  steps  =  10}\n"
const tidy = "lrs 1\nexperiment e {\n  seed = 1 // why\n  steps = 10\n}\n"
const broken = "lrs 1\nexperiment e {\n  seed = \n"

/** A fresh directory holding the given files. */
const workspace = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "lrs-fmt-"))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8")

describe("lrs fmt", () => {
  it("formats files in place and names the ones it changed", () => {
    const dir = workspace({ "messy.lrs": messy, "tidy.lrs": tidy })
    const before = statSync(join(dir, "tidy.lrs")).mtimeMs
    const r = lrs(["fmt", "messy.lrs", "tidy.lrs"], dir)
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe("formatted messy.lrs\n")
    expect(r.code).toBe(0)
    expect(read(dir, "messy.lrs")).toBe(tidy)
    expect(read(dir, "tidy.lrs")).toBe(tidy)
    // An already formatted file is not rewritten.
    expect(statSync(join(dir, "tidy.lrs")).mtimeMs).toBe(before)
    expect(lrs(["fmt", "messy.lrs"], dir)).toEqual({ code: 0, stdout: "", stderr: "" })
  })

  it("with --check writes nothing, lists what would change and exits 1", () => {
    const dir = workspace({ "messy.lrs": messy, "tidy.lrs": tidy })
    const r = lrs(["fmt", "--check", "messy.lrs", "tidy.lrs"], dir)
    expect(r.stdout).toBe("messy.lrs would be reformatted\n")
    expect(r.code).toBe(1)
    expect(read(dir, "messy.lrs")).toBe(messy)
    expect(lrs(["fmt", "--check", "tidy.lrs"], dir)).toEqual({ code: 0, stdout: "", stderr: "" })
  })

  it("leaves a file with syntax errors untouched, reports them, formats the others and exits 1", () => {
    const dir = workspace({ "broken.lrs": broken, "messy.lrs": messy })
    const r = lrs(["fmt", "broken.lrs", "messy.lrs"], dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^broken\.lrs:\d+:\d+: error\[LRS0100\]: /m)
    expect(r.stdout).toBe("formatted messy.lrs\n")
    expect(read(dir, "broken.lrs")).toBe(broken)
    expect(read(dir, "messy.lrs")).toBe(tidy)
  })

  it("exits 2 on a missing file and writes nothing", () => {
    const dir = workspace({ "messy.lrs": messy })
    const r = lrs(["fmt", "messy.lrs", "nope.lrs"], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("cannot read nope.lrs")
    expect(read(dir, "messy.lrs")).toBe(messy)
  })

  it("exits 2 without a file", () => {
    expect(lrs(["fmt"], repo).code).toBe(2)
  })
})
