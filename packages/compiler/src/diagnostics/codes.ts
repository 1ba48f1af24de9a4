/**
 * Every diagnostic code the compiler emits, with its title. Codes are stable: once published a
 * code keeps its meaning. `lrs explain CODE` and the docs are built from this table.
 */
export const codes = {
  LRS0001: "unexpected character",
  LRS0002: "unterminated string",
  LRS0100: "syntax error",
  LRS1001: "missing or unsupported version header",
  LRS1002: "unknown declaration",
  LRS1003: "unknown field",
  LRS1004: "missing experiment",
  LRS1005: "more than one experiment",
  LRS1006: "duplicate definition",
  LRS1007: "missing required field",
  LRS1008: "unknown name",
  LRS1009: "unknown constructor",
  LRS1010: "unknown argument",
  LRS1011: "cyclic definition",
  LRS1012: "malformed statement",
  LRS2001: "wrong type",
  LRS2002: "value out of range",
  LRS2003: "unknown unit",
  LRS2004: "unit not allowed here",
  LRS2005: "unit that cannot be converted to steps",
  LRS3001: "unknown schedule",
  LRS3002: "segment without a length",
  LRS3003: "segments longer than their span",
  LRS3004: "malformed schedule shape",
  LRS9001: "unknown override target",
  LRS9002: "malformed override"
} as const

export type Code = keyof typeof codes
