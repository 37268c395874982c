// ClickHouse's CPU for the full benchmark's visibility poll (loadtest/bench.ts startVisibilityPoller: rows of
// recent inserted_at per request, on events and spans) against an events table of N rows, both as it was (the
// whole table scanned, plus a count) and as it is now (only the recently written parts), to tell the poll's share of "ClickHouse CPU per row" from the inserts'. A scratch database is
// filled with N rows whose inserted_at spans an hour, then ClickHouse's CPU is read from /proc while idle and
// while polling as the bench does (every 250 ms, counting the query time), several rounds.
//   npm run bench:visibility-poll [-- --rows 2000000 --rounds 3 --polls 40]
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../common/config.ts'

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const ROWS = option('rows', 2_000_000)
const ROUNDS = option('rounds', 3)
const POLLS = option('polls', 40)
const { clickhouse } = loadConfig()
const stackHome = process.env.STACK_HOME ?? new URL('../.local', import.meta.url).pathname
const clickhousePid = Number(readFileSync(`${stackHome}/clickhouse/clickhouse.pid`, 'utf8').trim())
const ticksMs = () => {
  const f = readFileSync(`/proc/${clickhousePid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10 // utime + stime, USER_HZ 100
}
const db = `pollcost_${Date.now().toString(36)}`

async function query(sql: string): Promise<string> {
  const auth = Buffer.from(`${clickhouse.user}:${clickhouse.password}`).toString('base64')
  const res = await fetch(clickhouse.url, { method: 'POST', body: sql, headers: { authorization: `Basic ${auth}` } })
  const text = await res.text()
  if (!res.ok) throw new Error(`${res.status}: ${text.slice(0, 300)}`)
  return text
}

async function fill() {
  const ddl = readFileSync(new URL('../schemas/clickhouse/001_events.sql', import.meta.url), 'utf8').replace(/^--.*$/gm, '').replace('CREATE TABLE IF NOT EXISTS events', `CREATE TABLE ${db}.events`)
  await query(`CREATE DATABASE ${db}`)
  await query(ddl)
  await query(`CREATE TABLE ${db}.spans (request_id String, inserted_at DateTime('UTC')) ENGINE = MergeTree ORDER BY request_id`)
  // 100 events a request, inserted_at over the last hour (older rows earlier), as a bench run leaves it
  await query(
    `INSERT INTO ${db}.events (backend_id, event_id, app_id, category, name, timestamp, request_id, properties, inserted_at) ` +
      `SELECT generateUUIDv4(), toString(number), 'bench-app-0', 'bench', 'click', now() - intDiv(number, 600), concat('r', toString(intDiv(number, 100))), '{"path":"/cart","x":448}', now() - intDiv(${ROWS} - number, 600) FROM numbers(${ROWS})`,
  )
  await query(`OPTIMIZE TABLE ${db}.events FINAL`)
}

/** The poll as bench.ts made it until 07cea76: the whole inserted_at column and a count() each time. */
async function pollScanningTheTable() {
  const since = Math.floor(Date.now() / 1000) - 2
  const recent = (table: string) => `SELECT request_id, count() FROM ${db}.${table} WHERE inserted_at >= toDateTime(${since}) GROUP BY request_id`
  await query(`${recent('events')} UNION ALL ${recent('spans')}`)
  await query(`SELECT (SELECT count() FROM ${db}.events), (SELECT count() FROM system.parts WHERE database = '${db}' AND table = 'events' AND active)`)
}

/** The poll as bench.ts makes it now: only the parts written since shortly before the previous poll. */
async function pollRecentParts() {
  const since = Math.floor(Date.now() / 1000) - 2
  const parts = (await query(`SELECT table, name, modification_time >= toDateTime(${since}), rows FROM system.parts WHERE database = '${db}' AND table IN ('events', 'spans') AND active FORMAT TabSeparated`)).split('\n').filter(Boolean)
  const recent = new Map<string, string[]>()
  for (const line of parts) {
    const [table, name, isRecent] = line.split('\t') as [string, string, string]
    if (isRecent === '1' && /^[\w-]+$/.test(name)) recent.set(table, [...(recent.get(table) ?? []), name])
  }
  for (const [table, names] of recent) await query(`SELECT request_id, count() FROM ${db}.${table} WHERE _part IN (${names.map((n) => `'${n}'`).join(', ')}) AND inserted_at >= toDateTime(${since}) GROUP BY request_id`)
}

try {
  await fill()
  await sleep(2_000)
  for (let round = 1; round <= ROUNDS; round++) {
    let t0 = ticksMs()
    await sleep(10_000)
    const idle = ticksMs() - t0
    for (const [label, poll] of [['scanning the table (before 07cea76)', pollScanningTheTable], ['recent parts (bench.ts now)', pollRecentParts]] as const) {
      t0 = ticksMs()
      const start = Date.now()
      for (let i = 0; i < POLLS; i++) {
        const began = Date.now()
        await poll()
        await sleep(Math.max(0, 250 - (Date.now() - began)))
      }
      const cpu = ticksMs() - t0
      const seconds = (Date.now() - start) / 1000
      console.log(`round ${round}: ${ROWS} rows; idle ${idle} ms CPU per 10 s; poll ${label}: ${POLLS} polls in ${seconds.toFixed(1)} s: ${cpu} ms CPU, ${(cpu / POLLS).toFixed(1)} ms per poll, ${Math.round(cpu / seconds)} ms CPU per second`)
    }
  }
} finally {
  await query(`DROP DATABASE IF EXISTS ${db}`)
}
