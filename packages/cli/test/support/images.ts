/** Small learnable image datasets in the MNIST file layout, for tests that must run without Fashion-MNIST. */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { encodeIdx } from "../../../runtime/src/data/idx.ts"

/**
 * A directory of the four IDX files: 28x28 images of 10 classes, class `c` an arrow from the
 * centre pointing at `36 * c` degrees (a bar with a blob at its tip, slightly jittered) over faint
 * noise, all seeded. An MLP learns them in a few hundred updates, and a rotation turns one class's
 * arrows between two others': rotated tasks interfere, as rotated Fashion-MNIST does.
 */
export const writeLearnableImages = (nTrain: number, nTest: number): string => {
  const dir = mkdtempSync(join(tmpdir(), "lrs-images-"))
  let state = 12345
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
  const make = (n: number) => {
    const x = new Uint8Array(n * 784)
    const y = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const c = i % 10
      y[i] = c
      const angle = ((36 * c + (uniform() - 0.5) * 8) * Math.PI) / 180
      const [dx, dy] = [Math.cos(angle), -Math.sin(angle)]
      const [tipX, tipY] = [13.5 + 11 * dx, 13.5 + 11 * dy]
      for (let r = 0; r < 28; r++) {
        for (let col = 0; col < 28; col++) {
          const [px, py] = [col - 13.5, r - 13.5]
          const along = px * dx + py * dy
          const across = Math.abs(px * dy - py * dx)
          const onBar = along >= 0 && along <= 11 && across <= 1.2
          const onTip = Math.hypot(col - tipX, r - tipY) <= 2.5
          x[i * 784 + r * 28 + col] = onBar || onTip ? 180 + Math.floor(uniform() * 70) : Math.floor(uniform() * 40)
        }
      }
    }
    return { x, y }
  }
  const train = make(nTrain)
  const test = make(nTest)
  writeFileSync(join(dir, "train-images-idx3-ubyte"), encodeIdx([nTrain, 28, 28], train.x))
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx([nTrain], train.y))
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), encodeIdx([nTest, 28, 28], test.x))
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([nTest], test.y))
  return dir
}
