#!/usr/bin/env node
// Node's on-disk compile cache (also for type-stripped .ts) roughly halves start-up after the
// first run; it must be on before the CLI's modules load, hence the dynamic import.
import { enableCompileCache } from "node:module"

enableCompileCache?.()
await import("./cli.ts")
