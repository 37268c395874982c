// npm run bench:rollup — what the console's events rollup (schemas/clickhouse/005_events_rollup.sql: a
// materialized view on every insert into events) costs ClickHouse per inserted row. Two databases, one with
// the events table alone and one with events + the rollup and its view, take the same inserts (10,000-row
// blocks of synthetic events over 200 apps, 40 names, 20 countries and 30 minutes), alternating A/B per round;
// the ClickHouse server's CPU (/proc/<pid>/stat, pid file under STACK_HOME or .local) is read around each.
// Needs the local stack; drops its databases at the end.
import { readFileSync } from 'node:fs'
import { round } from './procStats.ts'

const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123'
const stackHome = process.env.STACK_HOME ?? new URL('../.local', import.meta.url).pathname
const ROWS = Number(process.env.ROLLUP_COST_ROWS ?? 300_000)
const BLOCK = 10_000
const ROUNDS = Number(process.env.ROLLUP_COST_ROUNDS ?? 3)
const ddlDir = new URL('../schemas/clickhouse/', import.meta.url)

async function sql(query: string, database?: string): Promise<string> {
  const url = `${CLICKHOUSE_URL}/?${database ? `database=${database}&` : ''}`
  const res = await fetch(url, { method: 'POST', body: query })
  const text = await res.text()
  if (!res.ok) throw new Error(`${res.status}: ${text.slice(0, 300)}`)
  return text
}

const statements = (file: string) => readFileSync(new URL(file, ddlDir), 'utf8').split(/;\s*$/m).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean)

function serverTicks(): number {
  const pid = readFileSync(`${stackHome}/clickhouse/clickhouse.pid`, 'utf8').trim()
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(f[11]) + Number(f[12])
}

// synthetic events: the columns the rollup reads vary as real traffic does; the rest are realistic widths
const insertBlock = (offset: number) => `INSERT INTO events (backend_id, event_id, app_id, category, name, timestamp, timestamp_ms, client_timestamp_ms, received_at, received_at_ms, sent_at_ms, time_correction, ip, country, region, city, properties, trace_id, span_id, sdk_name, sdk_version, device_id, context, request_id)
SELECT generateUUIDv4(), toString(number), concat('app-', toString(number % 200)), 'web', concat('event_', toString(number % 40)),
  toDateTime(1764460800 + (number % 1800)), 0, 0, now(), 0, 0, 'none', '81.2.69.0', concat('C', toString(number % 20)), '', '',
  '{"path":"/pricing","referrer":"https://www.google.com/","duration_ms":1234}', '', '', 'bench', '1.0', concat('device-', toString(number % 5000)), '{}', concat('r', toString(intDiv(number, 100)))
FROM numbers(${offset}, ${BLOCK})`

async function insertAll(database: string): Promise<number> {
  const before = serverTicks()
  for (let offset = 0; offset < ROWS; offset += BLOCK) await sql(insertBlock(offset), database)
  return ((serverTicks() - before) / 100) * 1e6 / ROWS
}

async function main() {
  const run = Date.now().toString(36)
  const plain = `rollup_cost_plain_${run}`
  const rollup = `rollup_cost_view_${run}`
  const results: Record<string, number[]> = { 'events alone': [], 'events + rollup view': [] }
  try {
    for (const db of [plain, rollup]) {
      await sql(`CREATE DATABASE ${db}`)
      for (const s of statements('001_events.sql')) await sql(s, db)
    }
    for (const s of statements('005_events_rollup.sql')) await sql(s, rollup)
    for (let r = 0; r < ROUNDS; r++) {
      for (const [label, db] of r % 2 === 0 ? [['events alone', plain], ['events + rollup view', rollup]] : [['events + rollup view', rollup], ['events alone', plain]]) {
        const us = await insertAll(db!)
        results[label!]!.push(round(us, 2))
        process.stderr.write(`round ${r + 1}: ${label} ${round(us, 2)} µs of ClickHouse CPU per row\n`)
      }
    }
  } finally {
    for (const db of [plain, rollup]) await sql(`DROP DATABASE IF EXISTS ${db}`).catch(() => {})
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  process.stdout.write(`ClickHouse CPU per inserted row (${ROWS} rows a round in ${BLOCK}-row inserts, ${ROUNDS} rounds, medians; 10 ms ticks):\n`)
  for (const [label, xs] of Object.entries(results)) process.stdout.write(`  ${label}: ${median(xs)} µs (${xs.join(' / ')})\n`)
}

await main()
