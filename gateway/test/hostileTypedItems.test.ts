// Hostile values in typed items (spans, metric points, log records), on POST /v1/batch and on the OTLP/JSON
// routes: the same guards as generic events (a value zod cannot even validate, an item JSON cannot measure)
// refuse the item with the field named, instead of a 500.
import { describe, expect, it } from 'vitest'
import type { BatchResponse } from '../src/steps/buildResponse.ts'
import { TEST_DEV_KEY, testApp } from './fakes.ts'

const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n)
const deepObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'
const NS = '1764064800000000000'

/** Raw JSON text of one item per category, with `value` as the text of the field under test. */
const items = {
  spans: (value: string) => `{"trace_id":"${TRACE}","span_id":"${SPAN}","start_time_unix_nano":"${NS}","end_time_unix_nano":"${NS}","name":${value}}`,
  metrics: (value: string) => `{"type":"gauge","value":1,"time_unix_nano":"${NS}","name":${value}}`,
  logs: (value: string) => `{"time_unix_nano":"${NS}","severity_text":${value}}`,
}
const hostile: Array<[string, string]> = [
  ['100,000-level nested arrays', deepArrays(100_000)],
  ['10,000-level nested objects', deepObjects(10_000)],
  ['{"length": <deep array>} (zod compares length)', `{"length":${deepArrays(10_000)}}`],
  ['{"length": {"toString": 1}}', '{"length":{"toString":1}}'],
]
const fieldOf = { spans: 'name', metrics: 'name', logs: 'severity_text' } as const

describe('hostile values in typed items: refused with the field named, never 500', { timeout: 30_000 }, () => {
  const { app } = testApp()
  for (const category of ['spans', 'metrics', 'logs'] as const) {
    it.each(hostile)(`POST /v1/batch category ${category}: %s as ${fieldOf[category]}`, async (_label, value) => {
      const body = `{"meta":{"app_id":"a","category":"${category}"},"data":[${items[category](value)}]}`
      const res = await app.request('/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_DEV_KEY}` }, body })
      expect(res.status).toBe(400)
      const out = (await res.json()) as BatchResponse
      expect(out.retryable).toBe(false)
      expect(out.parts).toHaveLength(1)
      expect(out.parts[0]!.code).toBeGreaterThanOrEqual(1001)
      expect(out.parts[0]!.code).toBeLessThanOrEqual(1004)
      expect(out.parts[0]!.message).toMatch(new RegExp(`${fieldOf[category]}|LIMIT_EVENT_BYTES|cannot be validated`))
    })
  }

  const otlpBody = {
    traces: (v: string) => `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","startTimeUnixNano":"${NS}","endTimeUnixNano":"${NS}","name":${v}}]}]}]}`,
    metrics: (v: string) => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":${v},"gauge":{"dataPoints":[{"timeUnixNano":"${NS}","asDouble":1}]}}]}]}]}`,
    logs: (v: string) => `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":${v}}]}]}]}`,
  }
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    it.each(hostile)(`POST /v1/${signal} (OTLP/JSON): %s`, async (_label, value) => {
      const res = await app.request(`/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_DEV_KEY}` }, body: otlpBody[signal](value) })
      expect(res.status).toBe(200)
      const out = (await res.json()) as { partialSuccess?: { errorMessage?: string } }
      expect(out.partialSuccess?.errorMessage).toMatch(/1 of 1 .* refused: #0/)
    })
  }

  it.each(['stringValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue'])('POST /v1/traces (OTLP/JSON): a 100,000-level nested array as an attribute %s is stored as text, not a 500', async (kind) => {
    const span = `{"traceId":"${TRACE}","spanId":"${SPAN}","name":"n","startTimeUnixNano":"${NS}","endTimeUnixNano":"${NS}","attributes":[{"key":"k","value":{"${kind}":${deepArrays(100_000)}}}]}`
    const res = await app.request('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_DEV_KEY}` }, body: `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}` })
    expect(res.status).toBe(200)
  })
})
