import type { RunInfo } from "../runs/read.ts"

/** Text for HTML: `&`, `<`, `>` and quotes escaped. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

/** One chart of the report: a curve name and its SVG. */
export interface ReportChart {
  readonly name: string
  readonly svg: string
}

const cell = (v: unknown): string => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(5)) : v === undefined || v === null ? "-" : String(v))

const runSection = (r: RunInfo): string => {
  const final = (r.summary?.["final"] ?? {}) as Record<string, Record<string, number>>
  const rows: Array<[string, unknown]> = [
    ["status", r.status],
    ["steps", `${r.steps} / ${r.ir.steps}`],
    ["backend", r.summary?.["backend"]],
    ["wall time (s)", r.summary?.["wallSeconds"]],
    ["seed", r.ir.seed],
    ...Object.entries(final).flatMap(([split, metrics]) => Object.entries(metrics).map(([k, v]): [string, unknown] => [`final ${split}.${k}`, v])),
    ...(r.best === undefined ? [] : [[`best ${r.best.metric}`, `${cell(r.best.value)} at step ${r.best.step}`] as [string, unknown]])
  ]
  return [
    `<section class="run"><h2>${escapeHtml(r.name)}</h2>`,
    `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(cell(v))}</td></tr>`).join("")}</table>`,
    r.resolved === undefined ? "" : `<details><summary>resolved spec</summary><pre>${escapeHtml(r.resolved)}</pre></details>`,
    "</section>"
  ].join("\n")
}

/**
 * The whole report as one self-contained HTML document: every run's summary and resolved spec,
 * then one chart per logged curve with every run that logged it overlaid (inline SVG: nothing is
 * fetched when it is opened).
 */
export const reportHtml = (runs: ReadonlyArray<RunInfo>, charts: ReadonlyArray<ReportChart>): string =>
  [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>lrs report: ${escapeHtml(runs.map((r) => r.name).join(", "))}</title>`,
    "<style>body{font-family:DejaVu Sans,Liberation Sans,Arial,sans-serif;margin:2em;color:#222}",
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:.2em .6em;text-align:left}",
    "pre{background:#f6f6f6;padding:1em;overflow:auto}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.3em}",
    ".runs{display:flex;flex-wrap:wrap;gap:2em}</style></head><body>",
    `<h1>lrs report</h1>`,
    `<div class="runs">${runs.map(runSection).join("\n")}</div>`,
    "<h2>Curves</h2>",
    ...charts.map((c) => `<figure id="${escapeHtml(c.name)}"><figcaption>${escapeHtml(c.name)}</figcaption>\n${c.svg}\n</figure>`),
    "</body></html>",
    ""
  ].join("\n")
