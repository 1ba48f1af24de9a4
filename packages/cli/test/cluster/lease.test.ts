import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { type Holder, TrialLeases } from "../../src/cluster/lease.ts"
import { postgresLayer } from "../../src/cluster/postgres.ts"
import { query } from "../support/cluster.ts"
import { postgresFor, type Postgres, startPostgres } from "../support/postgres.ts"

const postgresBin = postgresFor("lease.test.ts")

describe.skipIf(postgresBin === undefined)("trial leases in PostgreSQL", () => {
  let pg: Postgres | undefined
  beforeAll(async () => {
    pg = await startPostgres(postgresBin!)
  }, 30_000)
  afterAll(async () => {
    await pg?.stop()
  })

  const a: Holder = { holder: "worker-a", host: "machine-a" }
  const b: Holder = { holder: "worker-b", host: "machine-b" }
  /** Runs `effect` as the worker `self`, over its own connection named `self.holder`. */
  const as = <A, E>(self: Holder, effect: Effect.Effect<A, E, TrialLeases>) =>
    effect.pipe(Effect.provide(TrialLeases.layer(self).pipe(Layer.provide(postgresLayer(new URL(pg!.url), self.holder)))))
  const sql = (q: string) => query(postgresBin!, pg!.url, q)

  it("keeps another worker waiting while its holder renews it, and hands it over when the holder lets go", async () => {
    const seen: Array<string> = []
    const result = await Effect.runPromise(Effect.gen(function*() {
      const first = yield* Effect.forkChild(as(a, Effect.scoped(Effect.gen(function*() {
        const leases = yield* TrialLeases
        yield* leases.hold("/runs/x", () => Effect.void)
        yield* Effect.sleep("2500 millis")
        // Renewed at 2 s: more than the 12 s term less the 2.5 s held is left.
        const left = Number(sql("SELECT EXTRACT(EPOCH FROM expires_at - NOW()) FROM lrs_trial_leases WHERE dir = '/runs/x'")[0])
        return { at: Date.now(), left }
      }))))
      yield* Effect.sleep("300 millis")
      const second = yield* as(b, Effect.scoped(Effect.gen(function*() {
        const leases = yield* TrialLeases
        const held = yield* leases.hold("/runs/x", (h) => Effect.sync(() => seen.push(h.holder)))
        return { at: Date.now(), previous: held.previous, live: yield* leases.live }
      })))
      return { released: yield* Fiber.join(first), ...second }
    }))
    expect(seen).toEqual(["worker-a"])
    expect(result.released.left).toBeGreaterThan(10)
    expect(result.at).toBeGreaterThanOrEqual(result.released.at)
    // A let go (it did not lapse): nobody to take it over from.
    expect(result.previous).toBeUndefined()
    expect(result.live).toEqual([{ dir: "/runs/x", holder: "worker-b", host: "machine-b" }])
    expect(sql("SELECT count(*) FROM lrs_trial_leases")).toEqual(["0"])
  }, 20_000)

  it("takes over a lapsed lease at once and names who held it", async () => {
    // The table exists once a worker has started.
    await Effect.runPromise(as(a, Effect.gen(function*() {
      yield* TrialLeases
    })))
    sql("INSERT INTO lrs_trial_leases VALUES ('/runs/y', 'ghost', 'machine-c', NOW() - INTERVAL '1 second')")
    const started = Date.now()
    const previous = await Effect.runPromise(as(b, Effect.scoped(Effect.gen(function*() {
      const leases = yield* TrialLeases
      return (yield* leases.hold("/runs/y", () => Effect.void)).previous
    }))))
    expect(previous).toEqual({ holder: "ghost", host: "machine-c" })
    expect(Date.now() - started).toBeLessThan(1000)
  }, 20_000)

  it("tells its holder when another worker took the lease", async () => {
    const exit = await Effect.runPromise(as(a, Effect.scoped(Effect.gen(function*() {
      const leases = yield* TrialLeases
      const held = yield* leases.hold("/runs/z", () => Effect.void)
      sql("UPDATE lrs_trial_leases SET holder = 'thief' WHERE dir = '/runs/z'")
      return yield* held.lost.pipe(Effect.timeout("4 seconds"), Effect.exit)
    }))))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("another worker took it")
  }, 20_000)

  it("makes its holder give up after 5 s without PostgreSQL, before the lease lapses for the others", async () => {
    const started = Date.now()
    const exit = await Effect.runPromise(as(a, Effect.scoped(Effect.gen(function*() {
      const leases = yield* TrialLeases
      const held = yield* leases.hold("/runs/w", () => Effect.void)
      // Cut this worker off: no new connections to its database, its own connection closed.
      query(postgresBin!, pg!.url.replace(/\/postgres$/, "/template1"), "ALTER DATABASE postgres WITH ALLOW_CONNECTIONS false")
      query(postgresBin!, pg!.url.replace(/\/postgres$/, "/template1"), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'worker-a'")
      return yield* held.lost.pipe(Effect.timeout("10 seconds"), Effect.exit)
    }))))
    query(postgresBin!, pg!.url.replace(/\/postgres$/, "/template1"), "ALTER DATABASE postgres WITH ALLOW_CONNECTIONS true")
    const seconds = (Date.now() - started) / 1000
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("could not renew its lease in PostgreSQL for 5 s")
    // 5 s without renewal, noticed at the next 2 s tick; the lease itself runs 12 s from its last renewal.
    expect(seconds).toBeGreaterThan(4.5)
    expect(seconds).toBeLessThan(9)
  }, 30_000)
})
