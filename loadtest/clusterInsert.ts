// How the consumers should insert on a ClickHouse cluster (CLICKHOUSE_CLUSTER), measured once on the local 2x2
// cluster (STACK_CLICKHOUSE_CLUSTER=2x2): both ways only answer after every shard stored its rows.
//   distributed: one INSERT into the Distributed table with insert_distributed_sync=1 (what the consumers do)
//   per-shard:   the loader splits the rows by shard itself and inserts into each shard's local table
//                (first replica of each shard, in parallel)
// Same rows (the gateway's events through the loader's mapper), the events table in its cluster form in a
// scratch database, ROUNDS alternating inserts of ROWS rows. Per row: loader CPU, CPU of all ClickHouse nodes
// (replication included, from /proc), wall time.
//   STACK_CLICKHOUSE_CLUSTER=2x2 npm run stack:up && node loadtest/clusterInsert.ts
import { readdirSync, readFileSync } from 'node:fs'
import { createClient } from '@clickhouse/client'
import { loadConfig } from '../common/config.ts'
import { mapEventRow } from '../consumers/src/steps/mapEventRows.ts'
import { clusterStatements } from '../schemas/clickhouse/cluster.ts'
import { ddlStatements } from '../schemas/clickhouse/migrate.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const ROWS = Number(process.env.INSERT_ROWS ?? 5000)
const ROUNDS = Number(process.env.INSERT_ROUNDS ?? 4)
const cluster = process.env.CLICKHOUSE_CLUSTER ?? 'telemetry'
const base = Number(process.env.STACK_CLICKHOUSE_CLUSTER_PORT_BASE ?? 19300)
const nodesDir = `${process.env.STACK_HOME ?? new URL('../.local', import.meta.url).pathname}/clickhouse-cluster`
const pids = readdirSync(nodesDir).map((n) => Number(readFileSync(`${nodesDir}/${n}/clickhouse.pid`, 'utf8').trim()))
const ticks = () => pids.reduce((sum, pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return sum + (Number(f[11]) + Number(f[12])) * 10 // utime + stime in ms
}, 0)

const config = loadConfig()
const rows: Record<string, string | number>[] = []
for (const event of gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))) {
  const mapped = mapEventRow(Buffer.from(JSON.stringify(event)))
  if (mapped.ok) rows.push(mapped.row)
}
const columns = Object.keys(rows[0]!) as [string]
const database = `clusterinsert${Date.now().toString(36)}`
const client = (url: string) => createClient({ url, username: config.clickhouse.user, password: config.clickhouse.password, database })
const root = createClient({ url: config.clickhouse.url, username: config.clickhouse.user, password: config.clickhouse.password })
// the first replica of shard 1 is CLICKHOUSE_URL; of shard 2, node number 2 of the stack's port layout
const shards = [client(config.clickhouse.url), client(`http://127.0.0.1:${base + 20}`)]
const entry = shards[0]!

const shardOf = (backendId: string) => {
  let h = 2166136261
  for (let i = 0; i < backendId.length; i++) h = Math.imul(h ^ backendId.charCodeAt(i), 16777619)
  return (h >>> 0) % shards.length
}
const ways = {
  distributed: (slice: typeof rows) => entry.insert({ table: 'events', values: slice, format: 'JSONEachRow', columns, clickhouse_settings: { wait_end_of_query: 1, insert_distributed_sync: 1 } }),
  'per-shard': async (slice: typeof rows) => {
    const parts = shards.map(() => [] as typeof rows)
    for (const r of slice) parts[shardOf(String(r.backend_id))]!.push(r)
    await Promise.all(parts.map((part, i) => shards[i]!.insert({ table: 'events_local', values: part, format: 'JSONEachRow', columns, clickhouse_settings: { wait_end_of_query: 1 } })))
  },
}

await root.command({ query: `CREATE DATABASE ${database} ON CLUSTER ${cluster}` })
for (const s of clusterStatements(ddlStatements().filter((d) => d.file === '001_events.sql'), { cluster, database })) await root.command({ query: s.sql })
const seen: Record<string, { node: number[]; clickhouse: number[]; wall: number[] }> = {}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, insert] of Object.entries(ways)) {
      const slice = Array.from({ length: ROWS }, (_, i) => ({ ...rows[(i + round * ROWS) % rows.length]!, backend_id: crypto.randomUUID() }))
      const cpu0 = process.cpuUsage()
      const ch0 = ticks()
      const t0 = performance.now()
      await insert(slice)
      const wall = performance.now() - t0
      await new Promise((r) => setTimeout(r, 1500)) // let the second replicas fetch the parts (their CPU counts)
      const cpu = process.cpuUsage(cpu0)
      const s = (seen[name] ??= { node: [], clickhouse: [], wall: [] })
      s.node.push((cpu.user + cpu.system) / ROWS)
      s.clickhouse.push(((ticks() - ch0) * 1000) / ROWS)
      s.wall.push((wall * 1000) / ROWS)
    }
  }
  process.stdout.write(`\n${ROUNDS} rounds of ${ROWS} rows per way, alternating; medians, µs per row:\n\n`)
  process.stdout.write('| insert | loader CPU | ClickHouse CPU, 4 nodes (10 ms ticks) | wall | rows/s |\n| --- | ---: | ---: | ---: | ---: |\n')
  for (const [name, s] of Object.entries(seen)) process.stdout.write(`| ${name} | ${median(s.node).toFixed(1)} | ${median(s.clickhouse).toFixed(1)} | ${median(s.wall).toFixed(1)} | ${Math.round(1e6 / median(s.wall))} |\n`)
} finally {
  await root.command({ query: `DROP DATABASE IF EXISTS ${database} ON CLUSTER ${cluster}` })
  for (const c of [root, ...shards]) await c.close()
}
