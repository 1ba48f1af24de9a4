const simple: Readonly<Record<string, string>> = { "\"": "\"", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }

/** A valid escape after the backslash: JSON's. */
export const validEscape = (s: string): boolean => s in simple || /^u[0-9a-fA-F]{4}$/.test(s)

/** The escapes of a string literal's text (quotes included), valid or not, with their offsets in it. */
export const escapesOf = (image: string): Array<{ readonly text: string; readonly index: number; readonly valid: boolean }> =>
  [...image.matchAll(/\\(u[0-9a-fA-F]{4}|[\s\S])/g)].map((m) => ({ text: m[0], index: m.index, valid: validEscape(m[1]!) }))

/**
 * The value of a string literal's text. Total: an invalid escape (already reported by the parser)
 * stands for the character after the backslash, and raw characters stand for themselves.
 */
export const unescapeString = (image: string): string => {
  const body = image.slice(1, image.endsWith("\"") && image.length > 1 ? -1 : undefined)
  return body.replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, (_, e: string) => simple[e] ?? (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e))
}
