export type * from "./ir/Ir.ts"
export { evaluateSchedule } from "./schedule/evaluate.ts"
