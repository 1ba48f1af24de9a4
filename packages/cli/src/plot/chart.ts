import type { TopLevelSpec } from "vega-lite"

/**
 * The chart of `lrs plot` as a vega-lite spec, and its rendering to SVG (vega) and PNG (resvg).
 * vega, vega-lite and resvg are imported when a chart is drawn, never at start-up: every other
 * command (and `--help`) must not pay for them.
 */

export interface Line {
  /** As shown in the legend. */
  readonly name: string
  readonly steps: ReadonlyArray<number>
  readonly values: ReadonlyArray<number>
  /** Phase boundaries, drawn as dashed vertical rules in the line's color. */
  readonly boundaries: ReadonlyArray<number>
}

export interface ChartOptions {
  readonly title: string
  /** What the lines are (the legend's title) and what they measure (the y axis); schedules by default. */
  readonly series?: string
  readonly measure?: string
  /** The x axis runs over 0..steps-1. */
  readonly steps: number
  readonly log: boolean
  /** The x axis's title; RL runs count environment steps. Default `step (updates)`. */
  readonly axis?: string
}

/**
 * Fonts that resvg finds on most Linux systems (DejaVu and Liberation on Debian), then the usual
 * names elsewhere; SVG viewers take the first one they have. With no font at all resvg draws the
 * chart without its text.
 */
export const fontFamily = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"

export const chartSpec = (lines: ReadonlyArray<Line>, options: ChartOptions): TopLevelSpec => {
  const points = lines.flatMap((l) =>
    l.steps.flatMap((step, i) => {
      const value = l.values[i]!
      // NaN and infinities (a division by zero) leave a gap rather than break the scale.
      return Number.isFinite(value) ? [{ schedule: l.name, step, value }] : []
    })
  )
  const rules = lines.flatMap((l) => l.boundaries.map((step) => ({ schedule: l.name, step })))
  const names = lines.map((l) => l.name)
  const color: Encoding = { field: "schedule", type: "nominal", title: options.series ?? "schedule", sort: names }
  const x: Encoding = {
    field: "step",
    type: "quantitative",
    title: options.axis ?? "step (updates)",
    scale: { domain: [0, Math.max(options.steps - 1, 1)], nice: false, zero: true },
    // SI prefixes (2.5k, 1M) with a plain 0, not the axis's shared-prefix `0k`.
    axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" }
  }
  const measure = options.measure ?? "value"
  const y: Encoding = { field: "value", type: "quantitative", title: options.log ? `${measure} (log scale)` : measure, scale: options.log ? { type: "log" } : {} }
  const layer: Array<Layer> = [{ data: { values: points }, mark: { type: "line", strokeWidth: 1.75, clip: true }, encoding: { x, y, color } }]
  if (rules.length > 0) {
    layer.push({ data: { values: rules }, mark: { type: "rule", strokeDash: [4, 3], strokeWidth: 1, opacity: 0.55 }, encoding: { x, color } })
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: options.title, anchor: "start" },
    width: 720,
    height: 360,
    background: "white",
    padding: 12,
    config: { font: fontFamily, view: { stroke: "#ddd" }, legend: { labelLimit: 480 } },
    layer
  } as unknown as TopLevelSpec
}

/** Loosely typed pieces of the spec: vega-lite's types are too deep to write a layer piecewise. */
type Encoding = Record<string, unknown>
interface Layer {
  readonly data: { readonly values: ReadonlyArray<Record<string, unknown>> }
  readonly mark: Record<string, unknown>
  readonly encoding: Record<string, Encoding>
}

/** The chart as an SVG document. */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")])
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** An SVG drawn as a PNG at `scale` times its size, with the system's fonts (none: no text, no failure). */
export const renderPng = async (svg: string, options: { readonly scale?: number; readonly systemFonts?: boolean } = {}): Promise<Uint8Array> => {
  const { Resvg } = await import("@resvg/resvg-js")
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
    font: { loadSystemFonts: options.systemFonts ?? true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
  })
  return resvg.render().asPng()
}
