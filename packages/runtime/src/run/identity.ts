import { createHash } from "node:crypto"
import { canonicalJson, type RunIR } from "@lrs/compiler"

/** The experiment's identity: the first 10 hex digits of the SHA-256 of its canonical IR. */
export const runId = (ir: RunIR): string => createHash("sha256").update(canonicalJson(ir)).digest("hex").slice(0, 10)
