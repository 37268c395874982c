// A materialized view only sees inserts made after it exists, so a rollup added to a database that already
// holds rows starts empty. A view declared with a `-- @backfill <time column>` line is filled from its source
// by the migrate run that creates its target table: `INSERT INTO target <the view's SELECT>`, one day of the
// source's time column at a time (bounded memory). Only views whose target keeps set-union states
// (events_rollup_1m: distinct backend_id hashes, min, max) are marked: rows the view also saw while the
// backfill ran count once, so the overlap is harmless and no lock is needed.
// One server only; on a cluster each shard runs it on its local tables (README, ClickHouse cluster).
import type { ClickHouseClient } from '@clickhouse/client'
import type { DdlStatement } from './cluster.ts'

export type Backfill = { table: string; source: string; timeColumn: string; select: string }

const VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS \w+ TO (\w+) AS\s*\n(SELECT[\s\S]*\nFROM (\w+)\n)(GROUP BY [\s\S]*)$/

export function backfills(statements: DdlStatement[]): Backfill[] {
  return statements
    .filter((s) => s.backfill)
    .map((s) => {
      const m = VIEW.exec(s.sql)
      if (!m) throw new Error(`${s.file}: @backfill is for "CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT ... FROM s GROUP BY ...", got "${s.sql.slice(0, 60)}..."`)
      return { table: m[1]!, source: m[3]!, timeColumn: s.backfill!, select: `${m[2]}WHERE toDate(${s.backfill}) = {day}\n${m[4]}` }
    })
}

/** The INSERT of one day (a Date as ClickHouse prints it, checked before it becomes a literal). */
export function backfillDay(fill: Backfill, day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`backfill ${fill.table}: not a date: ${JSON.stringify(day)}`)
  return `INSERT INTO ${fill.table} ${fill.select.replace('{day}', `toDate('${day}')`)}`
}

/** Fills the target from every day its source holds. */
export async function runBackfill(db: ClickHouseClient, fill: Backfill): Promise<void> {
  const rs = await db.query({ query: `SELECT DISTINCT toString(toDate(${fill.timeColumn})) AS day FROM ${fill.source} ORDER BY day`, format: 'JSONEachRow' })
  for (const { day } of (await rs.json()) as Array<{ day: string }>) await db.command({ query: backfillDay(fill, day) })
}

/** The given tables that do not exist yet in the client's database. */
export async function missingTables(db: ClickHouseClient, tables: string[]): Promise<Set<string>> {
  if (tables.length === 0) return new Set()
  const rs = await db.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' })
  const existing = new Set(((await rs.json()) as Array<{ name: string }>).map((r) => r.name))
  return new Set(tables.filter((t) => !existing.has(t)))
}
