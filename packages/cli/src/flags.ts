import { Argument, Flag } from "effect/cli"

export const specFile = Argument.String("spec").pipe(Argument.withDescription("Path to the .lrs file"))

export const set = Flag.String("set").pipe(
  Flag.withDescription("Override a param or a top-level field of the experiment, e.g. --set seed=3 --set steps=500 (repeatable)"),
  Flag.withMetavar("name=value"),
  Flag.atLeast(0)
)
