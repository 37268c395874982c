// The consumer's two insert formats store the same values: every golden row (schemas/test/golden, all four
// tables, including the metric arrays and the 64-bit nanosecond times) and a string with every character
// TabSeparated escapes, inserted as TabSeparated into one database and as JSONEachRow into another on the
// stack's ClickHouse, read back column by column.
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../common/clickhouse.ts'
import type { Config } from '../../common/config.ts'
import { createClickHouseWriter, type InsertFormat } from '../../consumers/src/steps/insertRows.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { dropDatabase, integrationConfig, queryRows, repoRoot, runId } from './harness.ts'

type Row = Record<string, string | number | string[] | number[]>

/** Golden rows by table; the normalised ids (<backend_id 1>) become UUIDs again. */
function goldenRows(): Map<string, Row[]> {
  const dir = `${repoRoot}schemas/test/golden`
  const byTable = new Map<string, Row[]>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const ids = new Map<string, string>()
    const text = readFileSync(`${dir}/${file}`, 'utf8').replace(/<backend_id \d+>/g, (id) => ids.get(id) ?? (ids.set(id, randomUUID()), ids.get(id)!))
    for (const r of (JSON.parse(text) as { rows: Array<{ table: string; ok: boolean; row?: Row }> }).rows) {
      if (r.ok && r.row) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.row])
    }
  }
  return byTable
}

const formats: InsertFormat[] = ['TabSeparated', 'JSONEachRow']
const id = runId()
const configs = Object.fromEntries(formats.map((f) => [f, integrationConfig(`${id}${f.slice(0, 3).toLowerCase()}`)])) as Record<InsertFormat, Config>
const rows = goldenRows()
const events = rows.get('events')!
rows.set('events', [...events, { ...events[0]!, backend_id: randomUUID(), name: 'tab\there, newline\nhere, cr\r, nul\0, backslash\\n \\ quote\' "dq" é 😀', properties: '{"k":"a\\tb\\\\c"}' }])

beforeAll(async () => {
  for (const format of formats) {
    await migrate(configs[format].clickhouse)
    const client = createClickHouse(configs[format].clickhouse)
    try {
      const writer = createClickHouseWriter(client, undefined, undefined, format)
      for (const [table, tableRows] of rows) await writer.insert(table, tableRows)
    } finally {
      await client.close()
    }
  }
}, 60_000)
afterAll(async () => {
  for (const format of formats) await dropDatabase(configs[format])
})

describe('insert formats', () => {
  it('cover every table and the arrays', () => {
    expect([...rows.keys()].sort()).toEqual(['events', 'logs', 'metric_points', 'spans'])
    expect(rows.get('metric_points')!.some((r) => (r.bucket_counts as number[]).length > 0)).toBe(true)
  })

  it.each([...goldenRows().keys()].sort())('%s: TabSeparated stores what JSONEachRow stores', async (table) => {
    const columns = Object.keys(rows.get(table)![0]!)
    const select = `SELECT ${columns.map((c) => `\`${c}\``).join(', ')}, inserted_at > toDateTime('2020-01-01 00:00:00') AS defaulted FROM ${table} ORDER BY ${columns.map((c) => `\`${c}\``).join(', ')}`
    const [tsv, json] = await Promise.all(formats.map((f) => queryRows(configs[f], select)))
    expect(tsv!.length).toBe(rows.get(table)!.length)
    expect(tsv).toEqual(json)
    // inserted_at is left to its DEFAULT (now()) by both
    expect(tsv!.every((r) => r.defaulted === 1)).toBe(true)
  })

  it('keeps every escaped character of a string', async () => {
    const [row] = await queryRows<{ name: string; properties: string }>(configs.TabSeparated, "SELECT name, properties FROM events WHERE name LIKE 'tab%'")
    expect(row).toEqual({ name: 'tab\there, newline\nhere, cr\r, nul\0, backslash\\n \\ quote\' "dq" é 😀', properties: '{"k":"a\\tb\\\\c"}' })
  })
})
