// Node runtime metrics with the OpenTelemetry semantic names the node_runtime query reads
// (schemas/queries/node_runtime.sql): event-loop delay and utilization, V8 heap per space, GC duration by
// kind, process CPU utilization and RSS — from Node's built-in perf_hooks, v8, os and process only.
import { availableParallelism } from 'node:os'
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

export type MetricPoint = {
  id: string
  name: string
  type: 'gauge' | 'histogram'
  unit: string
  service: string
  time_unix_nano: string
  start_time_unix_nano?: string
  value?: number
  temporality?: 'delta'
  count?: number
  sum?: number
  min?: number
  max?: number
  bucket_counts?: number[]
  explicit_bounds?: number[]
  attributes?: Record<string, string>
}

/** OpenTelemetry's v8js.gc.duration buckets (seconds). */
const GC_BOUNDS = [0.01, 0.1, 1, 10]
const gcKinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

type GcStats = { count: number; sum: number; min: number; max: number; buckets: number[] }

/** Samples the runtime; each `collect()` gives the points of the interval since the previous one. */
export function runtimeSampler(service: string, newId: () => string) {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  let elu: EventLoopUtilization = performance.eventLoopUtilization()
  let cpu = process.cpuUsage()
  let since = Date.now()
  let gc = new Map<string, GcStats>()
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKinds[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'unknown'
      const s = gc.get(kind) ?? { count: 0, sum: 0, min: Infinity, max: 0, buckets: [0, 0, 0, 0, 0] }
      const seconds = e.duration / 1000
      s.count++
      s.sum += seconds
      s.min = Math.min(s.min, seconds)
      s.max = Math.max(s.max, seconds)
      const bucket = GC_BOUNDS.findIndex((b) => seconds <= b)
      s.buckets[bucket === -1 ? GC_BOUNDS.length : bucket]!++
      gc.set(kind, s)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  function collect(): MetricPoint[] {
    const now = Date.now()
    const time = `${now}000000`
    const start = `${since}000000`
    const gauge = (name: string, unit: string, value: number, attributes?: Record<string, string>): MetricPoint => ({ id: newId(), name, type: 'gauge', unit, service, time_unix_nano: time, value, ...(attributes ? { attributes } : {}) })
    const points: MetricPoint[] = []
    const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0)
    for (const [q, name] of [[50, 'p50'], [90, 'p90'], [99, 'p99']] as const) points.push(gauge(`nodejs.eventloop.delay.${name}`, 's', ns(delay.percentile(q))))
    points.push(gauge('nodejs.eventloop.delay.max', 's', ns(delay.max)), gauge('nodejs.eventloop.delay.mean', 's', ns(delay.mean)))
    delay.reset()
    const nextElu = performance.eventLoopUtilization()
    points.push(gauge('nodejs.eventloop.utilization', '1', performance.eventLoopUtilization(nextElu, elu).utilization))
    elu = nextElu
    for (const space of getHeapSpaceStatistics()) {
      const attributes = { 'v8js.heap.space.name': space.space_name }
      points.push(gauge('v8js.memory.heap.used', 'By', space.space_used_size, attributes), gauge('v8js.memory.heap.limit', 'By', space.space_size, attributes))
    }
    const used = process.cpuUsage(cpu)
    cpu = process.cpuUsage()
    const capacityUs = Math.max(1, (now - since) * 1000 * availableParallelism())
    points.push(gauge('process.cpu.utilization', '1', used.user / capacityUs, { 'process.cpu.state': 'user' }))
    points.push(gauge('process.cpu.utilization', '1', used.system / capacityUs, { 'process.cpu.state': 'system' }))
    points.push(gauge('process.memory.usage', 'By', process.memoryUsage.rss()))
    for (const [kind, s] of gc) {
      points.push({ id: newId(), name: 'v8js.gc.duration', type: 'histogram', unit: 's', service, time_unix_nano: time, start_time_unix_nano: start, temporality: 'delta', count: s.count, sum: s.sum, min: s.min, max: s.max, bucket_counts: s.buckets, explicit_bounds: GC_BOUNDS, attributes: { 'v8js.gc.type': kind } })
    }
    gc = new Map()
    since = now
    return points
  }

  function stop(): void {
    delay.disable()
    observer.disconnect()
  }
  return { collect, stop }
}
