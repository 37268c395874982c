// Which input format loads our rows into ClickHouse most cheaply: JSONEachRow (rows as objects, encoded by
// @clickhouse/client) against TabSeparated (steps/encodeRows.ts), both through the consumer's own writer
// (steps/insertRows.ts, CONSUMER_INSERT_FORMAT). Same rows (the
// gateway's serialized events through the loader's mapper), same table (schemas/clickhouse/001_events.sql in a
// scratch database), inserts of ROWS rows, alternating formats. Reports per row: the loader's CPU (format +
// send), ClickHouse's CPU (from /proc, the server's pid file under STACK_DIR) and wall time.
//   npm run bench:insert              (after npm run stack:up; about a minute)
import { readFileSync } from 'node:fs'
import { createClient } from '@clickhouse/client'
import { loadConfig } from '../common/config.ts'
import { mapRow } from '../consumers/src/steps/mapRows.ts'
import { createClickHouseWriter, insertSettings } from '../consumers/src/steps/insertRows.ts'
import { typeForCategory } from '../schemas/telemetryTypes.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const ROWS = Number(process.env.INSERT_ROWS ?? 5000)
const ROUNDS = Number(process.env.INSERT_ROUNDS ?? 6)
const stackDir = process.env.STACK_DIR ?? new URL('../.local/', import.meta.url).pathname
const config = loadConfig()
const clickhousePid = Number(readFileSync(`${stackDir}clickhouse/clickhouse.pid`, 'utf8').trim())
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10 // utime + stime in ms (USER_HZ 100)
}

const rows: Record<string, string | number>[] = []
for (const event of gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))) {
  const mapped = mapRow(typeForCategory('web'), Buffer.from(JSON.stringify(event)))
  if (mapped.ok) rows.push(mapped.row as Record<string, string | number>)
}
const database = `insertformats${Date.now().toString(36)}`
const root = createClient({ url: config.clickhouse.url, username: config.clickhouse.user, password: config.clickhouse.password })
const ddl = readFileSync(new URL('../schemas/clickhouse/001_events.sql', import.meta.url), 'utf8').replace(/--.*\n/g, '')
await root.command({ query: `CREATE DATABASE ${database}` })
await root.command({ query: ddl.replace('CREATE TABLE IF NOT EXISTS events', `CREATE TABLE ${database}.events`) })
const ch = createClient({ url: config.clickhouse.url, username: config.clickhouse.user, password: config.clickhouse.password, database })

const writer = (format: 'JSONEachRow' | 'TabSeparated') => createClickHouseWriter(ch, undefined, insertSettings(undefined), format)
const formats = {
  JSONEachRow: (slice: typeof rows) => writer('JSONEachRow').insert('events', slice),
  TabSeparated: (slice: typeof rows) => writer('TabSeparated').insert('events', slice),
}
const seen: Record<string, { node: number[]; clickhouse: number[]; wall: number[] }> = {}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, insert] of Object.entries(formats)) {
      const slice = Array.from({ length: ROWS }, (_, i) => rows[(i + round * ROWS) % rows.length]!)
      const cpu0 = process.cpuUsage()
      const ch0 = ticks(clickhousePid)
      const t0 = performance.now()
      await insert(slice)
      const wall = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      const s = (seen[name] ??= { node: [], clickhouse: [], wall: [] })
      s.node.push((cpu.user + cpu.system) / ROWS)
      s.clickhouse.push(((ticks(clickhousePid) - ch0) * 1000) / ROWS)
      s.wall.push((wall * 1000) / ROWS)
    }
  }
  process.stdout.write(`\n${ROUNDS} rounds of ${ROWS} rows per format, alternating, cycling through ${rows.length} distinct rows; medians, µs per row:\n\n`)
  process.stdout.write('| format | loader CPU | ClickHouse CPU (10 ms ticks) | wall |\n| --- | ---: | ---: | ---: |\n')
  for (const [name, s] of Object.entries(seen)) process.stdout.write(`| ${name} | ${median(s.node).toFixed(1)} | ${median(s.clickhouse).toFixed(1)} | ${median(s.wall).toFixed(1)} |\n`)
} finally {
  await root.command({ query: `DROP DATABASE IF EXISTS ${database}` })
  await ch.close()
  await root.close()
}
