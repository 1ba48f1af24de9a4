import type { AdaptiveEntropyIR, AdaptiveKlIR, ScheduleIR } from "@lrs/compiler"

/**
 * What a checkpoint keeps of the controllers: the KL coefficient, the entropy coefficient with
 * whether it applies, and Entrocraft's `entropic` weight α.
 */
export interface ControllersState {
  readonly beta?: number
  readonly entropy?: { readonly coef: number; readonly apply: boolean }
  readonly entropyAlpha?: number
}

const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/**
 * The closed loops GRPO's coefficients may follow instead of a schedule: verl's adaptive KL
 * controller for `beta`, TRL's adaptive entropy coefficient for `entropy`; and the state of
 * Entrocraft's `entropic` controller (`entropy_target`), whose α the GRPO iteration moves itself
 * (`entropicAlpha`). Each iteration reads the current values, then `observe` feeds back what the
 * iteration measured.
 */
export class RlControllers {
  private readonly betaIr: ScheduleIR | AdaptiveKlIR
  private readonly entropyIr: ScheduleIR | AdaptiveEntropyIR
  private betaValue: number | undefined
  private entropyValue: { coef: number; apply: boolean } | undefined
  private readonly targetIr: ScheduleIR | undefined
  private alphaValue: number | undefined

  constructor(beta: ScheduleIR | AdaptiveKlIR, entropy: ScheduleIR | AdaptiveEntropyIR, entropyTarget?: ScheduleIR) {
    this.betaIr = beta
    this.entropyIr = entropy
    this.targetIr = entropyTarget
    // Entrocraft's `entropic` starts with equal weights (α = 0).
    this.alphaValue = entropyTarget === undefined ? undefined : 0
    this.betaValue = beta.kind === "adaptive_kl" ? beta.initial : undefined
    // The first iteration has no measured entropy: it applies the initial coefficient.
    this.entropyValue = entropy.kind === "adaptive_entropy" ? { coef: entropy.initial, apply: true } : undefined
  }

  /** The KL coefficient at env step `t`. */
  beta(read: (s: ScheduleIR, t: number) => number, t: number): number {
    return this.betaIr.kind === "adaptive_kl" ? this.betaValue! : read(this.betaIr, t)
  }

  /** The entropy bonus applied at env step `t`. */
  entropy(read: (s: ScheduleIR, t: number) => number, t: number): number {
    if (this.entropyIr.kind !== "adaptive_entropy") return read(this.entropyIr, t)
    return this.entropyValue!.apply ? this.entropyValue!.coef : 0
  }

  /** `entropic`'s target at env step `t` and its α before the iteration; undefined without `entropy_target`. */
  entropic(read: (s: ScheduleIR, t: number) => number, t: number): { readonly target: number; readonly alpha: number } | undefined {
    return this.targetIr === undefined ? undefined : { target: read(this.targetIr, t), alpha: this.alphaValue! }
  }

  /**
   * After an iteration: its k3 KL to the reference, mean token entropy, how many answers it had,
   * and `entropic`'s α as the iteration moved it.
   */
  observe(measured: { readonly kl: number; readonly entropy: number; readonly answers: number; readonly entropyAlpha?: number }): void {
    if (this.targetIr !== undefined && measured.entropyAlpha !== undefined && Number.isFinite(measured.entropyAlpha)) this.alphaValue = measured.entropyAlpha
    const b = this.betaIr
    if (b.kind === "adaptive_kl" && Number.isFinite(measured.kl)) {
      this.betaValue = this.betaValue! * (1 + clip(measured.kl / b.target - 1, -0.2, 0.2) * measured.answers / b.horizon)
    }
    const e = this.entropyIr
    if (e.kind === "adaptive_entropy" && Number.isFinite(measured.entropy)) {
      const low = measured.entropy <= e.target
      const coef = low ? Math.min(this.entropyValue!.coef + e.delta, e.max) : Math.max(this.entropyValue!.coef - e.delta, e.min)
      this.entropyValue = { coef, apply: low }
    }
  }

  state(): ControllersState {
    return {
      ...(this.betaValue === undefined ? {} : { beta: this.betaValue }),
      ...(this.entropyValue === undefined ? {} : { entropy: this.entropyValue }),
      ...(this.alphaValue === undefined ? {} : { entropyAlpha: this.alphaValue })
    }
  }

  restore(s: ControllersState): void {
    if (s.beta !== undefined) this.betaValue = s.beta
    if (s.entropy !== undefined) this.entropyValue = { ...s.entropy }
    if (s.entropyAlpha !== undefined && this.targetIr !== undefined) this.alphaValue = s.entropyAlpha
  }
}
