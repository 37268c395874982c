// The pipeline measures itself (SELF_METRICS_INTERVAL_MS): after a known load, the ingest funnel read from
// ClickHouse through the shipped query (ingest_funnel) equals what the gateway answered (accepted, refused
// per code) and what landed; and loading the self-metrics reports counts nothing (no report causes another).
import { describe, expect, it } from 'vitest'
import { partCodes } from '../../schemas/codes.ts'
import { batchExamples } from '../../schemas/examples/index.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { countRows, integrationConfig, pipelineForTests, postJson, queryRows, runId, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id, { SELF_METRICS_INTERVAL_MS: '1000' })
const running = pipelineForTests(config)
const funnelQuery = shippedQueries().find((q) => q.name === 'ingest_funnel')!
const nameOf = new Map<number, string>(Object.entries(partCodes).map(([name, v]) => [v.code, name]))

type FunnelRow = { stage: string; reason: string; events: string }
async function funnel(): Promise<Record<string, number>> {
  const rows = await queryRows<FunnelRow>(config, bindQuery(funnelQuery, { from: '-1h', to: 'now' }))
  const totals: Record<string, number> = {}
  for (const r of rows) totals[`${r.stage}:${r.reason}`] = (totals[`${r.stage}:${r.reason}`] ?? 0) + Number(r.events)
  return totals
}

describe('self-metrics into ClickHouse', () => {
  const expected: Record<string, number> = {}
  const add = (k: string, n = 1) => (expected[k] = (expected[k] ?? 0) + n)

  it('the funnel in ClickHouse equals the gateway answers of a known load', async () => {
    const files = ['valid-batch.json', 'mixed-batch.json', 'all-invalid-batch.json']
    for (const [i, file] of files.entries()) {
      const example = batchExamples().find((e) => e.file === file)!
      for (let round = 0; round < 3; round++) {
        const res = await postJson(`${running.gateway.url}/v1/batch`, { ...example.request, meta: { ...example.request.meta, app_id: `sm-${id}-${i}` } })
        for (const part of res.body.parts) {
          add('received:')
          if (part.code === 0) add('accepted:ACCEPTED')
          else add(`refused:${nameOf.get(part.code)}`)
        }
      }
    }
    add('landed:events', expected['accepted:ACCEPTED']!)
    expect(Object.keys(expected).filter((k) => k.startsWith('refused:')).length).toBeGreaterThan(1)
    await waitFor('the events', async () => (await countRows(config, `SELECT count() AS n FROM events FINAL WHERE app_id LIKE 'sm-${id}-%'`)) === expected['accepted:ACCEPTED'])
    let last: Record<string, number> = {}
    await waitFor('the funnel to equal the answers', async () => {
      last = await funnel()
      const relevant = Object.fromEntries(Object.entries(last).filter(([k]) => !k.startsWith('landed:') || k === 'landed:events'))
      return JSON.stringify(Object.entries(relevant).sort()) === JSON.stringify(Object.entries(expected).sort())
    }, 30_000).catch(() => {
      throw new Error(`funnel ${JSON.stringify(last)} != answers ${JSON.stringify(expected)}`)
    })
  })

  it('writes the Node runtime of both services under the OpenTelemetry names', async () => {
    const rows = await queryRows<{ service: string; metric_name: string }>(config, `SELECT DISTINCT service, metric_name FROM metric_points WHERE metric_name IN ('nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'v8js.memory.heap.used', 'process.cpu.utilization', 'process.memory.usage') ORDER BY service, metric_name`)
    for (const service of ['telemetry-consumer', 'telemetry-gateway']) {
      expect(rows.filter((r) => r.service === service).map((r) => r.metric_name)).toEqual(['nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'process.cpu.utilization', 'process.memory.usage', 'v8js.memory.heap.used'])
    }
  })

  it('loading its own reports counts nothing: no self-metric produces another', async () => {
    // several report intervals with no traffic but the reports themselves
    await new Promise((r) => setTimeout(r, 4_000))
    const selfCounted = `SELECT count() AS n FROM metric_points FINAL WHERE service = 'telemetry-consumer' AND metric_name IN ('consumer_rows_loaded_total', 'consumer_insert_rows', 'consumer_insert_duration_seconds') AND attributes LIKE '%"table":"metric_points"%'`
    expect(await countRows(config, selfCounted)).toBe(0)
    // the reports arrive (so the zero above is not an empty table) and keep their size: the consumer's
    // counters did not move while it loaded them, so its reports hold gauges and runtime points only
    const perReport = await queryRows<{ points: string }>(config, `SELECT time_unix_nano, count() AS points FROM metric_points FINAL WHERE service = 'telemetry-consumer' AND metric_type != 'histogram' AND time > now() - 3 GROUP BY time_unix_nano ORDER BY time_unix_nano`)
    expect(perReport.length).toBeGreaterThanOrEqual(1)
    const landed = await funnel()
    expect(landed['landed:metric_points'] ?? 0).toBe(0)
    expect(landed['landed:events']).toBe(expected['accepted:ACCEPTED'])
  })
})
