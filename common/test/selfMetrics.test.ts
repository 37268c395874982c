import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { promToPoints, type PromMetric } from '../promPoints.ts'
import { createSelfMetrics } from '../selfMetrics.ts'
import { SELF_TELEMETRY_HEADER, type SelfSpanMessage } from '../selfTrace.ts'
import { createConsumerMetrics } from '../../consumers/src/metrics.ts'

const ctx = { service: 'svc', timeNs: '2000', startNs: '1000', resource: { 'service.name': 'svc' } }

function registryWith() {
  const registry = new Registry()
  const counter = new Counter({ name: 'x_total', help: 'x', labelNames: ['outcome'] as const, registers: [registry] })
  const histogram = new Histogram({ name: 'x_duration_seconds', help: 'd', buckets: [0.1, 1], registers: [registry] })
  return { registry, counter, histogram }
}
const snapshot = async (r: Registry) => (await r.getMetricsAsJSON()) as unknown as PromMetric[]

describe('prom-client registry to metric points', () => {
  it('writes counters and histograms as deltas since the baseline, and nothing for unchanged series', async () => {
    const { registry, counter, histogram } = registryWith()
    counter.inc({ outcome: 'accepted' }, 5)
    counter.inc({ outcome: 'rejected' }, 2)
    histogram.observe(0.05)
    histogram.observe(0.5)
    histogram.observe(3)
    const first = promToPoints(await snapshot(registry), new Map(), ctx)
    expect(first.points.map((p) => [p.name, p.attributes, p.value ?? p.count])).toEqual([
      ['x_total', { outcome: 'accepted' }, 5],
      ['x_total', { outcome: 'rejected' }, 2],
      ['x_duration_seconds', {}, 3],
    ])
    const h = first.points[2]!
    expect(h).toMatchObject({ type: 'histogram', temporality: 'delta', unit: 's', explicit_bounds: [0.1, 1], bucket_counts: [1, 1, 1], sum: 3.55, start_time_unix_nano: '1000' })

    counter.inc({ outcome: 'accepted' }, 4)
    histogram.observe(0.2)
    const second = promToPoints(await snapshot(registry), first.next, ctx)
    expect(second.points.map((p) => [p.name, p.value ?? p.count])).toEqual([['x_total', 4], ['x_duration_seconds', 1]])
    expect(second.points[1]).toMatchObject({ bucket_counts: [0, 1, 0] })
    // against the old baseline (the second report was not produced) the counts are carried over
    const retried = promToPoints(await snapshot(registry), new Map(), ctx)
    expect(retried.points.find((p) => p.attributes?.outcome === 'accepted')?.value).toBe(9)
  })
})

describe('self-metrics reports', () => {
  it('produces validated points marked telemetry-self, and keeps a failed report for the next', async () => {
    const { registry, counter } = registryWith()
    const sent: SelfSpanMessage[][] = []
    let fail = true
    const selfMetrics = createSelfMetrics({
      config: { intervalMs: 3_600_000, topicTemplate: 't.{category}' },
      service: 'telemetry-gateway',
      registry,
      send: async (topic, messages) => {
        expect(topic).toBe('t.metrics')
        if (fail) throw new Error('broker down')
        sent.push(messages)
      },
    })
    counter.inc({ outcome: 'accepted' }, 3)
    await selfMetrics.report()
    expect(selfMetrics.failedReports()).toBe(1)
    fail = false
    counter.inc({ outcome: 'accepted' }, 1)
    await selfMetrics.report()
    const values = sent[0]!.map((m) => ({ ...m, body: JSON.parse(m.value) as Record<string, unknown> }))
    expect(values.every((m) => m.headers[SELF_TELEMETRY_HEADER] === '1')).toBe(true)
    expect(values.find((m) => m.body.name === 'x_total')!.body).toMatchObject({ value: 4, type: 'sum', temporality: 'delta', service: 'telemetry-gateway', resource_attributes: { 'telemetry.self': true } })
    expect(values.map((m) => m.body.name)).toEqual(expect.arrayContaining(['nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'v8js.memory.heap.used', 'process.cpu.utilization', 'process.memory.usage']))
    await selfMetrics.close()
  })

  it('does nothing when the interval is 0', async () => {
    const send = async () => {
      throw new Error('must not send')
    }
    const off = createSelfMetrics({ config: { intervalMs: 0, topicTemplate: '{category}' }, service: 's', registry: new Registry(), send })
    await off.report()
    await off.close()
    expect(off.enabled).toBe(false)
  })
})

describe('consumer metrics', () => {
  const message = (self: boolean) => ({ topic: 'telemetry.metrics', partition: 1, offset: '0', key: null, value: null, headers: (self ? { [SELF_TELEMETRY_HEADER]: '1' } : {}) as Record<string, string> })
  it('counts loaded rows without the self-telemetry, and nothing for a batch of only self-telemetry', async () => {
    const m = createConsumerMetrics()
    m.recordBatch({ table: 'metric_points', messages: [message(true), message(true)], inserted: 2, deadLettered: 0, insertSeconds: 0.01, nextOffset: '2', highWatermark: '5' })
    m.recordBatch({ table: 'events', messages: [message(false), message(false), message(false)], inserted: 3, deadLettered: 0, insertSeconds: 0.01, nextOffset: '3', highWatermark: '3' })
    const json = (await m.registry.getMetricsAsJSON()) as unknown as PromMetric[]
    const rows = json.find((x) => x.name === 'consumer_rows_loaded_total')!.values
    expect(rows).toEqual([{ value: 3, labels: { table: 'events' } }])
    expect(json.find((x) => x.name === 'consumer_lag')!.values.map((v) => v.value)).toEqual([0])
    const inserts = json.find((x) => x.name === 'consumer_insert_rows')!.values.filter((v) => v.metricName === 'consumer_insert_rows_count')
    expect(inserts.map((v) => [v.labels.table, v.value])).toEqual([['events', 1]])
  })
})
