// The shipped queries give the same answers on one ClickHouse server and on a 2 shards x 2 replicas cluster
// (tests/cluster/clusterStack.ts, started here when not running). The same rows are loaded into both through
// the consumer's writer (on the cluster: the Distributed tables with insert_distributed_sync), then loaded
// again as a replay (the same rows in other blocks, so replication's block deduplication does not hide it and
// FINAL / -Merge have to collapse it per shard); then every query runs on both and the outputs must be equal.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouseConfig } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { createClickHouseWriter, insertSettings } from '../../consumers/src/steps/insertRows.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { clusterStack, clusterUrl, onNode, testCluster, type ClusterNode } from '../cluster/clusterStack.ts'
import { integrationConfig, repoRoot, runId } from './harness.ts'

const id = runId()
const single: ClickHouseConfig = integrationConfig(id).clickhouse
const cluster: ClickHouseConfig = { url: clusterUrl, user: 'default', password: '', database: single.database, cluster: testCluster.name }
const clusterNodes = Object.keys(testCluster.nodes) as ClusterNode[]
const VARIANTS = 12 // copies of the golden rows with other ids, so every table spreads over both shards

type Row = Record<string, unknown>
const sampleRows = async (table: string): Promise<Row[]> => {
  const { stdout } = await promisify(execFile)(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}scripts/sample-rows.ts`, '--table', table], { cwd: repoRoot })
  return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
}
const hex = (i: number, width: number) => i.toString(16).padStart(width, '0')

/** Variant i of a golden row: new identity (ids, app, trace, series), same times, so results add up per minute. */
function variant(table: string, row: Row, i: number): Row {
  if (i === 0) return row
  const backend_id = `${String(row.backend_id).slice(0, 24)}${hex(i, 12)}`
  switch (table) {
    case 'events':
      return { ...row, backend_id, app_id: i % 3 === 0 ? row.app_id : `${String(row.app_id)}-${i % 3}`, device_id: `dev-${i % 5}` }
    case 'spans':
      return { ...row, backend_id, trace_id: `${hex(i, 4)}${String(row.trace_id).slice(4)}` }
    case 'metric_points':
      // another instance of the service: its own series; a later time by i ns, so argMax (last) has no ties
      return { ...row, backend_id, resource_attributes: JSON.stringify({ 'host.name': `h${i}` }), time_unix_nano: String(BigInt(String(row.time_unix_nano)) + BigInt(i)), value: Number(row.value) * (1 + i / 100) }
    default:
      return { ...row, backend_id }
  }
}

/** Delta sums as the gateway's and consumers' self-metrics write them (common/selfMetrics.ts). */
function selfMetricRows(template: Row): Row[] {
  const sum = { ...template, metric_type: 'sum', temporality: 'delta', is_monotonic: 1, unit: '', count: 0, sum: 0, min: 0, max: 0 }
  return [
    { ...sum, metric_name: 'gateway_events_total', service: 'telemetry-gateway', app_id: 'telemetry-gateway', point_id: 's1', attributes: JSON.stringify({ outcome: 'accepted', reason: 'ACCEPTED' }), value: 40 },
    { ...sum, metric_name: 'gateway_events_total', service: 'telemetry-gateway', app_id: 'telemetry-gateway', point_id: 's2', attributes: JSON.stringify({ outcome: 'refused', reason: 'INVALID_EVENT' }), value: 3 },
    { ...sum, metric_name: 'consumer_rows_loaded_total', service: 'telemetry-consumer', app_id: 'telemetry-consumer', point_id: 's3', attributes: JSON.stringify({ table: 'events' }), value: 38 },
  ]
}

const tables = ['events', 'spans', 'metric_points', 'logs']
const data = new Map<string, Row[]>()

async function load(config: ClickHouseConfig) {
  const client = createClickHouse(config)
  const writer = createClickHouseWriter(client, undefined, insertSettings(config.cluster))
  try {
    for (const [table, rows] of data) {
      await writer.insert(table, rows)
      // the replay: the same rows again, in two blocks of another order
      const half = Math.ceil(rows.length / 2)
      await writer.insert(table, rows.slice(half).reverse())
      await writer.insert(table, rows.slice(0, half).reverse())
    }
  } finally {
    await client.close()
  }
}

async function run(config: ClickHouseConfig, sql: string): Promise<unknown[]> {
  const client = createClickHouse(config)
  try {
    return await (await client.query({ query: sql, format: 'JSONEachRow' })).json()
  } finally {
    await client.close()
  }
}

beforeAll(async () => {
  await clusterStack('up', 'clickhouse')
  // no background merge may collapse the replay before the queries run: FINAL / -Merge must do it
  for (const node of clusterNodes) await onNode(node, 'SYSTEM STOP MERGES')
  for (const table of tables) data.set(table, (await sampleRows(table)).flatMap((row) => Array.from({ length: VARIANTS }, (_, i) => variant(table, row, i))))
  // the pipeline's own delta counters (self-metrics), which the golden sample does not hold: the funnel and
  // counter queries read them
  const template = data.get('metric_points')![0]!
  const selfPoints = selfMetricRows(template).flatMap((row) => Array.from({ length: VARIANTS }, (_, i) => variant('metric_points', row, i)))
  data.set('metric_points', [...data.get('metric_points')!, ...selfPoints])
  await migrate(single)
  await migrate(cluster)
  await load(single)
  await load(cluster)
}, 300_000)

afterAll(async () => {
  for (const node of clusterNodes) await onNode(node, 'SYSTEM START MERGES')
  for (const config of [single, cluster]) {
    const client = createClickHouse(config, { database: null })
    const onCluster = config.cluster ? ` ON CLUSTER ${config.cluster}` : ''
    await client.command({ query: `DROP DATABASE IF EXISTS \`${config.database}\`${onCluster}` }).finally(() => client.close())
  }
  if (process.env.TEST_CLICKHOUSE_CLUSTER_KEEP !== '1') await clusterStack('down', 'clickhouse')
})

const params: Record<string, string> = {
  app_id: 'shop-web',
  from: '2025-01-01T00:00:00Z',
  to: '2027-01-01T00:00:00Z',
  trace_id: '5b8efff798038103d269b633813fc60c',
  service: 'checkout-api',
  name: 'v8js.memory.heap.used',
  step: '300',
  limit: '1000',
}

describe('the cluster holds the rows sharded and replicated', () => {
  it.each(tables)('%s: both shards hold some rows, each shard has them on both replicas, replayed copies stored too', async (table) => {
    const local = `\`${cluster.database}\`.${table}_local`
    const count = async (node: ClusterNode) => {
      await onNode(node, `SYSTEM SYNC REPLICA ${local}`)
      return Number((await onNode(node, `SELECT count() FROM ${local} FINAL`)).trim())
    }
    const [s1, s1b, s2, s2b] = [await count('s1r1'), await count('s1r2'), await count('s2r1'), await count('s2r2')]
    expect(s1).toBeGreaterThan(0)
    expect(s2).toBeGreaterThan(0)
    expect([s1b, s2b]).toEqual([s1, s2])
    expect(s1 + s2).toBe(data.get(table)!.length)
    // merges are stopped: the replayed copies are on disk, and only FINAL per shard collapses them
    const raw = Number((await onNode('s1r1', `SELECT count() FROM ${local}`)).trim()) + Number((await onNode('s2r1', `SELECT count() FROM ${local}`)).trim())
    expect(raw).toBe(2 * (s1 + s2))
  })
})

describe('shipped queries: same output on one server and on the cluster', () => {
  // table_parts reads system.parts, the storage itself: on a cluster the Distributed tables hold no parts and
  // each node holds its own shard's, so its output differs by design (it is not a question about the data)
  const storageQueries = new Set(['table_parts'])
  const perQuery: Record<string, Record<string, string>> = { counter_per_minute: { name: 'gateway_events_total', service: 'telemetry-gateway' } }
  const cases = shippedQueries().filter((q) => !storageQueries.has(q.name)).flatMap((q) => {
    const own = Object.fromEntries(q.params.filter((p) => p.name in params).map((p) => [p.name, (perQuery[q.name] ?? {})[p.name] ?? params[p.name]!]))
    const everyService = q.params.some((p) => p.name === 'service' && p.default === '*') ? [{ ...own, service: '*' }] : []
    return [own, ...everyService].map((values) => ({ label: `${q.name} ${Object.entries(values).filter(([k]) => k !== 'from' && k !== 'to').map(([k, v]) => `${k}=${v}`).join(' ')}`, sql: bindQuery(q, values) }))
  })

  it.each(cases)('$label', async ({ sql }) => {
    const [one, many] = [await run(single, sql), await run(cluster, sql)]
    expect(one.length).toBeGreaterThan(0)
    expect(many).toEqual(one)
  })

  it('every shipped query is compared', () => {
    expect(new Set(cases.map((c) => c.label.split(' ')[0])).size).toBe(shippedQueries().length - storageQueries.size)
  })
})
