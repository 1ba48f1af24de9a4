import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import { UsageError } from "../errors.ts"

/** The `--cluster` URL without its password, for messages. */
export const shownUrl = (url: URL): string => {
  const shown = new URL(url.href)
  if (shown.password !== "") shown.password = "***"
  return shown.href
}

const howToStart = "start the server (docs/sweeps.md, \"Sweeps on a cluster\", shows how) or fix the --cluster URL"

/** Reads `--cluster`: a `postgres://user[:password]@host[:port]/database` URL. */
export const parseClusterUrl = (text: string): Effect.Effect<URL, UsageError> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Effect.fail(new UsageError({ message: `--cluster ${text} is not a URL; give PostgreSQL's, e.g. postgres://lrs@127.0.0.1:5432/lrs` }))
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    return Effect.fail(new UsageError({ message: `--cluster ${shownUrl(url)} is not a postgres:// URL; the cluster keeps its state in PostgreSQL, e.g. postgres://lrs@127.0.0.1:5432/lrs` }))
  }
  return Effect.succeed(url)
}

/** The PostgreSQL client every cluster process uses; `application_name` tells them apart in pg_stat_activity. */
export const postgresLayer = (url: URL, applicationName: string) =>
  PgClient.layer({ url: Redacted.make(url.href), applicationName, connectTimeout: "5 seconds" })

/**
 * Fails with a message naming the server and how to start it when PostgreSQL cannot be reached, so
 * the cluster layers (which retry forever) only start against a server that answers.
 */
export const checkPostgres = (url: URL) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
  }).pipe(
    Effect.provide(Layer.fresh(postgresLayer(url, "lrs check"))),
    Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.fail("no answer in 10 s") }),
    Effect.mapError((e) =>
      new UsageError({
        message: `cannot reach PostgreSQL at ${shownUrl(url)} (${typeof e === "string" ? e : reason(e)}); ${howToStart}`
      })
    )
  )

/** The innermost message of a SQL error (connection refused, password authentication failed, ...). */
const reason = (e: unknown): string => {
  let cause: unknown = e
  for (let i = 0; i < 5 && typeof cause === "object" && cause !== null && "cause" in cause && cause.cause !== undefined; i++) cause = cause.cause
  return cause instanceof Error ? cause.message : typeof cause === "object" && cause !== null && "message" in cause ? String(cause.message) : String(cause)
}
