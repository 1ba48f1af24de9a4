/**
 * Every diagnostic code the compiler emits, with its title. Codes are stable: once published a
 * code keeps its meaning. `lrs explain CODE` and the language reference are built from this table
 * and the explanations in explanations.ts.
 */
export const codes = {
  LRS0001: "unexpected character",
  LRS0002: "unterminated string",
  LRS0003: "invalid escape in a string",
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
  LRS1013: "reserved block",
  LRS1014: "budget given twice",
  LRS2001: "wrong type",
  LRS2002: "value out of range",
  LRS2003: "unknown unit",
  LRS2004: "unit not allowed here",
  LRS2005: "unit that cannot be converted to steps",
  LRS3001: "unknown schedule",
  LRS3002: "segment without a length",
  LRS3003: "segments longer than their span",
  LRS3004: "malformed schedule shape",
  LRS3005: "schedule leaves its domain",
  LRS4001: "unknown signal",
  LRS4002: "signal that is never observed",
  LRS4003: "malformed condition",
  LRS4004: "statement not available",
  LRS4101: "malformed sweep",
  LRS4102: "malformed sweep values",
  LRS4103: "sweep over an unknown name",
  LRS4104: "zip of unequal lengths",
  LRS4105: "sweep too large",
  LRS4106: "no such trial",
  LRS5001: "unreadable import",
  LRS5002: "import cycle",
  LRS5003: "declaration not allowed in an imported file",
  LRS9001: "unknown override target",
  LRS9002: "malformed override"
} as const

export type Code = keyof typeof codes
