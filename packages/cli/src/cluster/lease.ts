/**
 * Who may write a trial's run directory, kept in PostgreSQL: one lease per directory, held by a
 * worker while it runs the trial. The holder renews it every 2 s; it lapses 12 s after the last
 * renewal, and a worker that cannot renew for 5 s stops its trial (which gets 5 s to exit), so a
 * trial process whose worker lost the database (or died) has ended before anyone else may start
 * one. Times are the database's clock, so the machines' clocks need not agree. `run.lock` (a
 * process id) stays what `lrs runs` reads; on a cluster the lease is the word on who owns a run.
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { SqlError } from "effect/sql/SqlError"
import * as SqlClient from "effect/sql/SqlClient"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"

/** A lease's term, how often it is renewed, and how long its holder goes on without renewing it. */
export const leaseTiming = { ttlSeconds: 12, renewEvery: "2 seconds", giveUpAfterMs: 5_000 } as const

/** The holder stopped holding a lease: taken over (it had lapsed) or not renewed in time. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", { dir: Schema.String, message: Schema.String }) {}

/** A lease holder: a process (`holder`, unique across restarts) on a machine (`host`). */
export interface Holder {
  readonly holder: string
  readonly host: string
}

/** A held lease: who held it before (a lapsed lease, taken over), and an effect that fails once it is lost. */
export interface Held {
  readonly previous: Holder | undefined
  readonly lost: Effect.Effect<never, LeaseLost>
}

export const leaseTable = "lrs_trial_leases"

export class TrialLeases extends Context.Service<TrialLeases, {
  readonly self: Holder
  /**
   * Waits until this process holds `dir`'s lease (`waiting` is told about the holder once, when
   * there is one), renews it until the scope closes, then gives it up.
   */
  readonly hold: (dir: string, waiting: (holder: Holder) => Effect.Effect<void>) => Effect.Effect<Held, SqlError, Scope.Scope>
  /** The live leases, directory and holder: what the workers are running now. */
  readonly live: Effect.Effect<ReadonlyArray<Holder & { readonly dir: string }>, SqlError>
}>()("lrs/cluster/TrialLeases") {
  /** Over the cluster's database; creates the table on first use. `self` defaults to this process. */
  static readonly layer = (self: Holder = { holder: `${hostname()}/pid ${process.pid}/${randomUUID().slice(0, 8)}`, host: hostname() }) =>
    Layer.effect(TrialLeases, make(self))
}

const make = Effect.fnUntraced(function*(self: Holder) {
  const sql = yield* SqlClient.SqlClient
  const table = sql(leaseTable)
  // Workers start together; the advisory lock keeps two CREATEs of one table from colliding.
  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`SELECT pg_advisory_xact_lock(hashtext(${leaseTable}))`
    yield* sql`CREATE TABLE IF NOT EXISTS ${table} (dir TEXT PRIMARY KEY, holder TEXT NOT NULL, host TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`
  }))
  const term = sql.literal(`INTERVAL '${leaseTiming.ttlSeconds} seconds'`)

  /** Takes the lease when nobody holds it or it lapsed; the previous holder when it did, `false` when another holds it. */
  const tryTake = Effect.fnUntraced(function*(dir: string) {
    const current = yield* sql<{ holder: string; host: string; lapsed: boolean }>`SELECT holder, host, expires_at < NOW() AS lapsed FROM ${table} WHERE dir = ${dir}`
    const before = current[0]
    if (before !== undefined && !before.lapsed && before.holder !== self.holder) return { taken: false as const, holder: before }
    const taken = yield* sql<{ holder: string }>`
      INSERT INTO ${table} (dir, holder, host, expires_at) VALUES (${dir}, ${self.holder}, ${self.host}, NOW() + ${term})
      ON CONFLICT (dir) DO UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host, expires_at = EXCLUDED.expires_at
      WHERE ${table}.expires_at < NOW() OR ${table}.holder = EXCLUDED.holder
      RETURNING holder`
    // Another worker took it between the two statements: wait for it like any holder.
    if (taken.length === 0) return { taken: false as const, holder: before ?? { holder: "another worker", host: "" } }
    return { taken: true as const, previous: before === undefined || before.holder === self.holder ? undefined : { holder: before.holder, host: before.host } }
  })

  const renew = (dir: string) => sql<{ holder: string }>`UPDATE ${table} SET expires_at = NOW() + ${term} WHERE dir = ${dir} AND holder = ${self.holder} RETURNING holder`

  /** Renews every 2 s; fails `lost` when the lease is gone or has not been renewed for 5 s. */
  const keep = (dir: string, lost: Deferred.Deferred<never, LeaseLost>) => {
    let renewed = performance.now()
    const once = renew(dir).pipe(
      Effect.timeout("2 seconds"),
      Effect.matchEffect({
        onFailure: () =>
          performance.now() - renewed > leaseTiming.giveUpAfterMs
            ? Effect.fail(new LeaseLost({ dir, message: `could not renew its lease in PostgreSQL for ${leaseTiming.giveUpAfterMs / 1000} s` }))
            : Effect.void,
        onSuccess: (rows) => {
          if (rows.length === 0) return Effect.fail(new LeaseLost({ dir, message: "its lease lapsed and another worker took it" }))
          renewed = performance.now()
          return Effect.void
        }
      })
    )
    return once.pipe(
      Effect.repeat(Schedule.spaced(leaseTiming.renewEvery)),
      Effect.catch((e) => Deferred.fail(lost, e)),
      Effect.forkScoped
    )
  }

  const hold = Effect.fnUntraced(function*(dir: string, waiting: (holder: Holder) => Effect.Effect<void>) {
    let told = false
    while (true) {
      const attempt = yield* tryTake(dir)
      if (attempt.taken) {
        yield* Effect.addFinalizer(() => sql`DELETE FROM ${table} WHERE dir = ${dir} AND holder = ${self.holder}`.pipe(Effect.ignore))
        const lost = yield* Deferred.make<never, LeaseLost>()
        yield* keep(dir, lost)
        return { previous: attempt.previous, lost: Deferred.await(lost) } satisfies Held
      }
      if (!told) {
        told = true
        yield* waiting(attempt.holder)
      }
      yield* Effect.sleep("1 second")
    }
  })

  const live = sql<{ dir: string; holder: string; host: string }>`SELECT dir, holder, host FROM ${table} WHERE expires_at >= NOW() ORDER BY dir`

  return TrialLeases.of({ self, hold, live })
})
