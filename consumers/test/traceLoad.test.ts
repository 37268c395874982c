import { describe, expect, it } from 'vitest'
import { createSelfTracer, type SelfSpanMessage } from '../../common/selfTrace.ts'
import { spanType } from '../../schemas/span.ts'
import type { InboundMessage } from '../src/inboundMessage.ts'
import { recordLoadSpans, sampledParents } from '../src/traceLoad.ts'

const A = '4bf92f3577b34da6a3ce929d0e0e4736'
const B = '5bf92f3577b34da6a3ce929d0e0e4737'
const msg = (headers: Record<string, string>, offset = 0): InboundMessage => ({ topic: 'telemetry.web', partition: 1, offset: String(offset), key: null, value: null, headers })

describe('sampledParents', () => {
  it('keeps distinct sampled traceparents and skips unsampled, malformed and self-telemetry messages', () => {
    expect(
      sampledParents([
        msg({ traceparent: `00-${A}-00f067aa0ba902b7-01` }),
        msg({ traceparent: `00-${A}-00f067aa0ba902b7-01` }),
        msg({ traceparent: `00-${B}-00f067aa0ba902b8-00` }),
        msg({ traceparent: 'junk' }),
        msg({}),
        msg({ traceparent: `00-${B}-00f067aa0ba902b9-01`, 'telemetry-self': '1' }),
      ]),
    ).toEqual([{ traceId: A, spanId: '00f067aa0ba902b7' }])
  })
})

describe('recordLoadSpans', () => {
  it('records one batch span linked to every upload and one child per upload in its trace', async () => {
    const sent: SelfSpanMessage[] = []
    const tracer = createSelfTracer({ config: { sampleRatio: 1, topicTemplate: 't.{category}' }, service: 'telemetry-consumer', send: async (_t, m) => void sent.push(...m), flushMs: 60_000 })
    const messages = [msg({ traceparent: `00-${A}-00f067aa0ba902b7-01` }), msg({ traceparent: `00-${B}-00f067aa0ba902b8-01` }, 1), msg({ 'telemetry-self': '1' }, 2)]
    recordLoadSpans(tracer, messages, { table: 'events', startNs: 1_764_064_800_000_000_000n, endNs: 1_764_064_800_050_000_000n, inserted: 3, deadLettered: 0 })
    await tracer.close()
    const spans = sent.map((m) => spanType.enrichedSchema.parse(JSON.parse(m.value)))
    const batch = spans.find((s) => s.name === 'clickhouse insert')!
    expect(batch.links).toEqual([{ trace_id: A, span_id: '00f067aa0ba902b7' }, { trace_id: B, span_id: '00f067aa0ba902b8' }])
    expect(batch.attributes).toMatchObject({ 'db.collection.name': 'events', 'messaging.batch.message_count': 3, 'telemetry.rows_inserted': 3 })
    const loads = spans.filter((s) => s.name === 'load into clickhouse')
    expect(loads.map((s) => [s.trace_id, s.parent_span_id])).toEqual([[A, '00f067aa0ba902b7'], [B, '00f067aa0ba902b8']])
    for (const l of loads) {
      expect(l.attributes).toMatchObject({ 'telemetry.batch_trace_id': batch.trace_id, 'telemetry.batch_span_id': batch.span_id })
      expect([l.start_time_unix_nano, l.end_time_unix_nano]).toEqual(['1764064800000000000', '1764064800050000000'])
    }
  })

  it('records nothing for a batch of self-telemetry only (no loop)', async () => {
    const sent: SelfSpanMessage[] = []
    const tracer = createSelfTracer({ config: { sampleRatio: 1, topicTemplate: 't.{category}' }, service: 'telemetry-consumer', send: async (_t, m) => void sent.push(...m), flushMs: 60_000 })
    recordLoadSpans(tracer, [msg({ 'telemetry-self': '1' }), msg({ 'telemetry-self': '1' }, 1)], { table: 'spans', startNs: 1_764_064_800_000_000_000n, endNs: 1_764_064_800_050_000_000n, inserted: 2, deadLettered: 0 })
    await tracer.close()
    expect(sent).toEqual([])
    expect(tracer.dropped()).toBe(0)
  })
})
