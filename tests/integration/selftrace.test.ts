// The pipeline traces itself (SELF_TRACE_SAMPLE_RATIO=1): one upload with a client traceparent is followed
// from the gateway's HTTP request through Kafka to the consumer's ClickHouse insert, printed by the real
// `npm run query -- trace` CLI. Set KEEP_TEST_DATABASE=1 to keep the run's database (it_<id>).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { batchExamples } from '../../schemas/examples/index.ts'
import { countRows, integrationConfig, pipelineForTests, postJson, queryRows, repoRoot, runId, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id, { SELF_TRACE_SAMPLE_RATIO: '1' })
const running = pipelineForTests(config)

const count = (sql: string) => countRows(config, sql)
const valid = batchExamples().find((e) => e.file === 'valid-batch.json')!

describe('an upload with a client traceparent, self-tracing on', () => {
  const clientTrace = randomBytes(16).toString('hex')
  const clientSpan = randomBytes(8).toString('hex')
  const appId = `selftrace-${id}`

  it('prints the gateway and consumer spans of that upload as one tree', async () => {
    const res = await postJson(`${running.gateway.url}/v1/batch`, { ...valid.request, meta: { ...valid.request.meta, app_id: appId } }, { traceparent: `00-${clientTrace}-${clientSpan}-01` })
    expect(res.status).toBe(200)
    await waitFor('the events', async () => (await count(`SELECT count() AS n FROM events FINAL WHERE app_id = '${appId}'`)) === valid.request.data.length)
    // gateway: server span + decode/validate/enrich/produce; consumer: its load span in the upload's trace
    await waitFor('6 self-spans', async () => (await count(`SELECT count() AS n FROM spans_by_trace FINAL WHERE trace_id = '${clientTrace}'`)) === 6)

    const { stdout } = await promisify(execFile)(process.execPath, [`${repoRoot}scripts/query.ts`, 'trace', `trace_id=${clientTrace}`], { env: { ...process.env, CLICKHOUSE_DATABASE: config.clickhouse.database } })
    console.log(stdout)
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^trace ${clientTrace}: 6 spans, \\d+\\.\\d{3} ms$`))
    expect(lines.slice(1).map((l) => l.replace(/ {2}\d+\.\d{3} ms {2}\+\d+\.\d{3} ms/, ''))).toEqual([
      `POST /v1/batch  [telemetry-gateway, server]  (parent ${clientSpan} missing)`,
      '  decode  [telemetry-gateway, internal]',
      '  validate  [telemetry-gateway, internal]',
      '  enrich  [telemetry-gateway, internal]',
      '  produce  [telemetry-gateway, internal]',
      '  load into clickhouse  [telemetry-consumer, consumer]',
    ])
  })

  it('uses the Kafka traceparent span id for the gateway span and links the consumer batch span to it', async () => {
    const spans = await queryRows<Record<string, string>>(config, `SELECT name, span_id, parent_span_id, attributes, resource_attributes, links FROM spans FINAL WHERE trace_id = '${clientTrace}'`)
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]))
    const server = byName['POST /v1/batch']!
    expect(server.parent_span_id).toBe(clientSpan)
    for (const s of spans) expect(JSON.parse(s.resource_attributes!)).toMatchObject({ 'telemetry.self': true })
    expect(JSON.parse(byName['validate']!.attributes!)).toMatchObject({ 'telemetry.category': 'web', 'telemetry.items': 3, 'telemetry.valid': 3 })
    // the upload's 3 events of one key: one NDJSON record
    expect(JSON.parse(byName['produce']!.attributes!)).toMatchObject({ 'messaging.batch.message_count': 1, 'telemetry.items': 3 })

    const load = byName['load into clickhouse']!
    const loadAttrs = JSON.parse(load.attributes!) as Record<string, string>
    expect(loadAttrs['db.collection.name']).toBe('events')
    // the batch insert span: its own trace, linked to the gateway span of this upload
    const batch = await waitFor('the batch span', async () => {
      const r = await queryRows<Record<string, string>>(config, `SELECT span_id, links, attributes FROM spans FINAL WHERE trace_id = '${loadAttrs['telemetry.batch_trace_id']}' AND name = 'clickhouse insert'`)
      return r[0] ?? null
    })
    expect(batch.span_id).toBe(loadAttrs['telemetry.batch_span_id'])
    expect(JSON.parse(batch.links!)).toContainEqual({ trace_id: clientTrace, span_id: server.span_id })
  })

  it('does not trace the loading of its own spans (no loop)', async () => {
    // the spans topic holds only self-telemetry so far (the next test sends a client span): loading it records nothing
    await waitFor('self-spans loaded', async () => (await count(`SELECT count() AS n FROM spans FINAL WHERE service = 'telemetry-consumer'`)) >= 2)
    await new Promise((r) => setTimeout(r, 2_500)) // more than one flush interval and one consumer batch
    expect(await count(`SELECT count() AS n FROM spans FINAL WHERE attributes LIKE '%"db.collection.name":"spans"%'`)).toBe(0)
  })

  it('hangs the gateway span under the client span once the client sends it', async () => {
    // the client's own span, sent without a traceparent (that request is traced in a trace of its own)
    const startNs = (BigInt(Date.now() - 5_000) * 1_000_000n).toString()
    const endNs = (BigInt(Date.now()) * 1_000_000n).toString()
    const res = await postJson(`${running.gateway.url}/v1/batch`, { meta: { app_id: appId, category: 'spans' }, data: [{ trace_id: clientTrace, span_id: clientSpan, name: 'checkout click', kind: 'client', start_time_unix_nano: startNs, end_time_unix_nano: endNs, service: 'shop-web' }] })
    expect(res.status).toBe(200)
    await waitFor('7 spans', async () => (await count(`SELECT count() AS n FROM spans_by_trace FINAL WHERE trace_id = '${clientTrace}'`)) === 7)
    const { stdout } = await promisify(execFile)(process.execPath, [`${repoRoot}scripts/query.ts`, 'trace', `trace_id=${clientTrace}`], { env: { ...process.env, CLICKHOUSE_DATABASE: config.clickhouse.database } })
    console.log(stdout)
    expect(stdout.trimEnd().split('\n').slice(1).map((l) => l.replace(/ {2}\d+\.\d{3} ms {2}\+\d+\.\d{3} ms/, ''))).toEqual([
      'checkout click  [shop-web, client]',
      '  POST /v1/batch  [telemetry-gateway, server]',
      '    decode  [telemetry-gateway, internal]',
      '    validate  [telemetry-gateway, internal]',
      '    enrich  [telemetry-gateway, internal]',
      '    produce  [telemetry-gateway, internal]',
      '    load into clickhouse  [telemetry-consumer, consumer]',
    ])
  })
})
