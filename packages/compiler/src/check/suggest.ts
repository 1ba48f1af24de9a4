/** Edit distance, for "did you mean" help (Effect CLI's policy: distance <= 2, closest only). */
const distance = (a: string, b: string): number => {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]!
}

/** The closest candidates within distance 2, best first. */
export const closest = (word: string, candidates: Iterable<string>): Array<string> => {
  let best = 3
  let found: Array<string> = []
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < best) {
      best = d
      found = [c]
    } else if (d === best) found.push(c)
  }
  return found
}

/** ` `name` is the closest` style help, or the list of valid names when nothing is close. */
export const suggestionHelp = (word: string, candidates: ReadonlyArray<string>, what: string): string => {
  const near = closest(word, candidates)
  if (near.length > 0) return `the closest ${what} is \`${near[0]}\``
  return `use one of ${candidates.map((c) => `\`${c}\``).join(", ")}`
}
