// Golden records: the exact Kafka records (topic, key, value, headers) the gateway produces for every payload
// (an NDJSON record's value as its parsed lines)
// in schemas/examples/, and the exact ClickHouse rows the consumer maps them to, pinned in
// schemas/test/golden/*.json. Refactoring the steps must leave them byte for byte as they are. The request's
// clock is fixed; what is still random per request (backend_id, the gateway's span id) is normalised.
// After an intended change of records or rows: npx vitest run schemas/test/goldenRecords.test.ts -u, and review the diff.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { isNdjson, recordItems } from '../../consumers/src/recordItems.ts'
import { routeForTopic } from '../../consumers/src/steps/mapRows.ts'
import { RecordingProducer, TEST_DEV_KEY, testApp } from '../../gateway/test/fakes.ts'
import { batchExamples, otlpExamples } from '../examples/index.ts'

const RECEIVED_AT = Date.UTC(2025, 10, 25, 10, 1, 30, 123) // 2025-11-25T10:01:30.123Z
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const PEER = { incoming: { socket: { remoteAddress: '81.2.69.142', remotePort: 40000, remoteFamily: 'IPv4' } } }
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g

/** backend ids in order of appearance → <backend_id 1>, ...; the gateway's (random) span id in the traceparent → <gateway span>. */
function normalise(text: string, ids: Map<string, string>): string {
  return text
    .replace(UUID, (id) => {
      if (!ids.has(id)) ids.set(id, `<backend_id ${ids.size + 1}>`)
      return ids.get(id)!
    })
    .replace(/00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01/g, '00-4bf92f3577b34da6a3ce929d0e0e4736-<gateway span>-01')
}

async function goldenOf(path: string, body: string) {
  const producer = new RecordingProducer()
  const { app, config } = testApp({ producer })
  const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_DEV_KEY}`, 'x-request-id': 'golden-request', traceparent: TRACEPARENT }, body }, PEER)
  // an NDJSON record's value is pinned as its lines, each parsed: which items share a record is part of the format
  const records = producer.sent.flatMap(({ topic, messages }) =>
    messages.map((m) => ({ topic, key: m.key, headers: m.headers, ...(isNdjson(m) ? { valueLines: m.value.split('\n').map((l) => JSON.parse(l) as unknown) } : { value: JSON.parse(m.value) as unknown }) })),
  )
  // the rows the consumer makes of them: each record split into items as the loader splits it
  const rows = producer.sent.flatMap(({ topic, messages }) => {
    const route = routeForTopic(config.consumer.topicTemplate, topic)
    return messages.flatMap((m) => recordItems({ headers: m.headers, value: Buffer.from(m.value) }).map((item) => ({ table: route.table, ...route.mapRow(item) })))
  })
  const ids = new Map<string, string>()
  return normalise(JSON.stringify({ status: res.status, response: await res.json().catch(() => null), records, rows }, null, 1), ids) + '\n'
}

const cases = [
  ...batchExamples().map((e) => [e.file, '/v1/batch', JSON.stringify(e.request)] as const),
  ['quickstart.json', '/v1/batch', readFileSync(join(import.meta.dirname, '../examples/quickstart.json'), 'utf8')] as const,
  ...otlpExamples().map((e) => [e.file, `/v1/${e.signal}`, JSON.stringify(e.request)] as const),
]

describe('golden Kafka records and ClickHouse rows of every example payload', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(RECEIVED_AT)
  })
  afterAll(() => {
    vi.useRealTimers()
  })
  it.each(cases)('%s (%s)', async (file, path, body) => {
    const golden = await goldenOf(path, body)
    expect(golden).toContain('"records"')
    await expect(golden).toMatchFileSnapshot(`golden/${file}`)
  })
})
