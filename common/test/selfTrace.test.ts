import { describe, expect, it } from 'vitest'
import { randomHexId } from '../ids.ts'
import { parseTraceparent } from '../traceparent.ts'
import { createSelfTracer, sampledByRatio, sampleRequest, SELF_TELEMETRY_HEADER, type SelfSpanMessage } from '../selfTrace.ts'
import { spanType } from '../../schemas/span.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

describe('sampledByRatio', () => {
  it('is deterministic per trace id', () => {
    const ids = Array.from({ length: 200 }, () => randomHexId(16))
    expect(ids.map((t) => sampledByRatio(t, 0.3))).toEqual(ids.map((t) => sampledByRatio(t, 0.3)))
  })

  it.each([0.01, 0.1, 0.5, 0.9])('samples about %s of 20000 random trace ids', (ratio) => {
    const n = 20_000
    let sampled = 0
    for (let i = 0; i < n; i++) if (sampledByRatio(randomHexId(16), ratio)) sampled++
    // 5 standard deviations of a binomial: fails by chance far less than once in a million runs
    const sd = Math.sqrt(n * ratio * (1 - ratio))
    expect(Math.abs(sampled - n * ratio)).toBeLessThan(5 * sd)
  })

  it.each([
    [0, false],
    [1, true],
  ])('ratio %s samples every id: %s', (ratio, expected) => {
    for (let i = 0; i < 100; i++) expect(sampledByRatio(randomHexId(16), ratio)).toBe(expected)
  })

  it('a trace sampled at a lower ratio stays sampled at a higher one (one threshold per id)', () => {
    for (let i = 0; i < 500; i++) {
      const t = randomHexId(16)
      if (sampledByRatio(t, 0.2)) expect(sampledByRatio(t, 0.6)).toBe(true)
    }
  })
})

describe('sampleRequest', () => {
  it.each([
    ['off: ratio 0 even with the caller sampled flag', '01', 0, false],
    ['the caller sampled flag is honoured at a tiny ratio', '01', 1e-9, true],
    ['caller flag 00: the ratio decides (1)', '00', 1, true],
    ['no caller header: the ratio decides (1)', null, 1, true],
  ] as const)('%s', (_label, flags, ratio, expected) => {
    expect(sampleRequest(TRACE, flags, ratio)).toBe(expected)
  })
})

describe('parseTraceparent', () => {
  it.each([
    [`00-${TRACE}-00f067aa0ba902b7-01`, { traceId: TRACE, spanId: '00f067aa0ba902b7', flags: '01', sampled: true }],
    [`00-${TRACE}-00f067aa0ba902b7-00`, { traceId: TRACE, spanId: '00f067aa0ba902b7', flags: '00', sampled: false }],
    [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, null],
    ['garbage', null],
    [undefined, null],
  ])('%s', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected)
  })
})

function recordingTracer(opts: { ratio?: number; maxBuffered?: number; fail?: boolean } = {}) {
  const sent: { topic: string; messages: SelfSpanMessage[] }[] = []
  const errors: string[] = []
  const tracer = createSelfTracer({
    config: { sampleRatio: opts.ratio ?? 1, topicTemplate: 'telemetry.{category}' },
    service: 'telemetry-gateway',
    send: async (topic, messages) => {
      if (opts.fail) throw new Error('broker down')
      sent.push({ topic, messages })
    },
    onError: (m) => errors.push(m),
    maxBuffered: opts.maxBuffered ?? 100,
    flushAt: 1_000,
    flushMs: 60_000,
  })
  return { tracer, sent, errors }
}

describe('the self-span recorder', () => {
  it('produces enriched spans, marked as self-telemetry, to the spans topic in one produce', async () => {
    const { tracer, sent } = recordingTracer()
    const root = tracer.startSpan({ name: 'POST /v1/batch', kind: 'server', traceId: TRACE, spanId: '00f067aa0ba902b7', parentSpanId: 'aaaaaaaaaaaaaaaa', requestId: 'r-1' })
    const child = tracer.startSpan({ name: 'validate', traceId: TRACE, parentSpanId: root.spanId, attributes: { 'telemetry.items': 3 } })
    child.end()
    root.end({ error: 'HTTP 503' })
    root.end() // a second end records nothing
    await tracer.close()
    expect(sent.length).toBe(1)
    expect(sent[0]!.topic).toBe('telemetry.spans')
    const values = sent[0]!.messages.map((m) => spanType.enrichedSchema.parse(JSON.parse(m.value)))
    expect(sent[0]!.messages.every((m) => m.headers[SELF_TELEMETRY_HEADER] === '1' && m.key === TRACE)).toBe(true)
    expect(values.map((v) => [v.name, v.parent_span_id, v.status_code])).toEqual([
      ['validate', '00f067aa0ba902b7', 'unset'],
      ['POST /v1/batch', 'aaaaaaaaaaaaaaaa', 'error'],
    ])
    expect(values[1]).toMatchObject({ span_id: '00f067aa0ba902b7', kind: 'server', service: 'telemetry-gateway', app_id: 'telemetry-gateway', request_id: 'r-1', status_message: 'HTTP 503', resource_attributes: { 'service.name': 'telemetry-gateway', 'telemetry.self': true } })
    expect(values[0]!.attributes).toEqual({ 'telemetry.items': 3 })
    expect(BigInt(values[1]!.end_time_unix_nano)).toBeGreaterThanOrEqual(BigInt(values[0]!.end_time_unix_nano))
    // wall-clock nanoseconds
    expect(Math.abs(Number(BigInt(values[1]!.start_time_unix_nano) / 1_000_000n) - Date.now())).toBeLessThan(60_000)
  })

  it('keeps at most maxBuffered spans and counts the rest as dropped, without throwing', async () => {
    const { tracer, sent } = recordingTracer({ maxBuffered: 3 })
    for (let i = 0; i < 5; i++) tracer.startSpan({ name: `s${i}`, traceId: TRACE }).end()
    expect(tracer.buffered()).toBe(3)
    expect(tracer.dropped()).toBe(2)
    await tracer.flush()
    expect(sent[0]!.messages.length).toBe(3)
    expect(tracer.buffered()).toBe(0)
  })

  it('counts spans of a failed produce as dropped and reports it', async () => {
    const { tracer, errors } = recordingTracer({ fail: true })
    tracer.startSpan({ name: 'a', traceId: TRACE }).end()
    tracer.startSpan({ name: 'b', traceId: TRACE }).end()
    await tracer.close()
    expect(tracer.dropped()).toBe(2)
    expect(errors.length).toBe(1)
  })

  it('records nothing when the ratio is 0 (off)', async () => {
    const { tracer, sent } = recordingTracer({ ratio: 0 })
    expect(tracer.enabled).toBe(false)
    tracer.startSpan({ name: 'a', traceId: TRACE }).end()
    await tracer.close()
    expect(sent).toEqual([])
    expect(tracer.buffered()).toBe(0)
  })
})
