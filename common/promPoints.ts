// Pure conversion of a prom-client registry snapshot (registry.getMetricsAsJSON()) into metric points of
// the metric point type's client shape (schemas/metricPoint.ts). Counters and histograms become DELTA points
// (what changed since the last report that was produced), so a minute's count is a plain sum in SQL and
// the workers of one service add up; a report that was not produced is carried into the next one (the
// caller keeps the previous baseline). Series whose delta is zero are left out; gauges are always written.
import type { ClientMetricPoint } from '../schemas/metricPoint.ts'

export type PromValue = { value: number; labels: Record<string, string | number>; metricName?: string }
export type PromMetric = { name: string; help: string; type: string; values: PromValue[] }

type HistogramState = { bounds: number[]; cumulative: number[]; sum: number; count: number }
/** The values last reported, per series key: a counter's total or a histogram's buckets. */
export type PromBaseline = Map<string, number | HistogramState>

export type PointContext = {
  service: string
  timeNs: string
  /** the previous report's time: start of every delta point */
  startNs: string
  resource: Record<string, string | number | boolean>
}

const seriesKey = (name: string, labels: Record<string, string | number>) =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`

const unitOf = (name: string) => (/_seconds(_|$)/.test(name) ? 's' : /_bytes(_|$)/.test(name) ? 'By' : '')

const labelsAsAttributes = (labels: Record<string, string | number>) => Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]))

/** Points of this snapshot against `baseline`; `next` is the baseline to keep once they are produced. */
export function promToPoints(metrics: PromMetric[], baseline: PromBaseline, ctx: PointContext): { points: ClientMetricPoint[]; next: PromBaseline } {
  const next: PromBaseline = new Map(baseline)
  const points: ClientMetricPoint[] = []
  const common = (m: PromMetric, labels: Record<string, string | number>) => ({
    name: m.name,
    unit: unitOf(m.name),
    description: m.help.slice(0, 1024),
    service: ctx.service,
    time_unix_nano: ctx.timeNs,
    attributes: labelsAsAttributes(labels),
    resource_attributes: ctx.resource,
    scope: { name: 'telemetry-ingest/self-metrics' },
  })
  for (const m of metrics) {
    const type = String(m.type)
    if (type === 'gauge') {
      for (const v of m.values) if (Number.isFinite(v.value)) points.push({ ...common(m, v.labels), type: 'gauge', value: v.value })
    } else if (type === 'counter') {
      for (const v of m.values) {
        const key = seriesKey(m.name, v.labels)
        const before = baseline.get(key)
        const delta = v.value - (typeof before === 'number' && before <= v.value ? before : 0)
        next.set(key, v.value)
        if (delta > 0) points.push({ ...common(m, v.labels), type: 'sum', value: delta, temporality: 'delta', is_monotonic: true, start_time_unix_nano: ctx.startNs })
      }
    } else if (type === 'histogram') {
      for (const h of histograms(m)) {
        const key = seriesKey(m.name, h.labels)
        const before = baseline.get(key)
        const base = typeof before === 'object' && before.count <= h.state.count && before.bounds.length === h.state.bounds.length ? before : null
        next.set(key, h.state)
        const count = h.state.count - (base?.count ?? 0)
        if (count <= 0) continue
        // prom buckets are cumulative (le); OTLP's are per bucket, with one more for +Inf
        const cumulative = h.state.cumulative.map((c, i) => c - (base?.cumulative[i] ?? 0))
        const bucketCounts = [...cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!)), count - (cumulative.at(-1) ?? 0)]
        points.push({
          ...common(m, h.labels),
          type: 'histogram',
          temporality: 'delta',
          start_time_unix_nano: ctx.startNs,
          count,
          sum: h.state.sum - (base?.sum ?? 0),
          explicit_bounds: h.state.bounds,
          bucket_counts: bucketCounts,
        })
      }
    }
  }
  return { points, next }
}

/** A prom histogram's _bucket / _sum / _count values grouped per label set (without `le`). */
function histograms(m: PromMetric): Array<{ labels: Record<string, string | number>; state: HistogramState }> {
  const byLabels = new Map<string, { labels: Record<string, string | number>; buckets: Array<[number, number]>; sum: number; count: number }>()
  for (const v of m.values) {
    const { le, ...labels } = v.labels
    const key = seriesKey('', labels)
    let h = byLabels.get(key)
    if (!h) byLabels.set(key, (h = { labels, buckets: [], sum: 0, count: 0 }))
    if (v.metricName?.endsWith('_bucket')) {
      if (le !== '+Inf' && le !== undefined) h.buckets.push([Number(le), v.value])
    } else if (v.metricName?.endsWith('_sum')) h.sum = v.value
    else if (v.metricName?.endsWith('_count')) h.count = v.value
  }
  return [...byLabels.values()].map((h) => {
    const sorted = h.buckets.sort((a, b) => a[0] - b[0])
    return { labels: h.labels, state: { bounds: sorted.map((b) => b[0]), cumulative: sorted.map((b) => b[1]), sum: h.sum, count: h.count } }
  })
}
