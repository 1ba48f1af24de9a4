#!/usr/bin/env node
// The installed `lrs` command. Node >= 22.18 runs the TypeScript sources directly (type stripping).
import "../src/bin.ts"
