// The Node runtime of this process as metric points under the OpenTelemetry semantic-convention names
// (what @opentelemetry/instrumentation-runtime-node writes, and what the node_runtime / service_runtime
// queries read): event-loop delay and utilization, V8 heap per space, GC durations, CPU utilization, RSS.
// Each sample covers the time since the previous one.
import { availableParallelism } from 'node:os'
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type PerformanceEntry } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import type { ClientMetricPoint } from '../schemas/metricPoint.ts'

type Base = Pick<ClientMetricPoint, 'service' | 'time_unix_nano' | 'resource_attributes'>
export type RuntimeSampler = { sample(base: Base, startNs: string): ClientMetricPoint[]; stop(): void }

// the OpenTelemetry runtime-node instrumentation's buckets for v8js.gc.duration (seconds)
const GC_BOUNDS = [0.01, 0.1, 1, 10]
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' }

export function createRuntimeSampler(): RuntimeSampler {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  let elu: EventLoopUtilization = performance.eventLoopUtilization()
  let cpu = process.cpuUsage()
  let cpuAt = performance.now()
  const gc = new Map<string, { count: number; sum: number; buckets: number[] }>()
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other'
      const s = e.duration / 1000
      const g = gc.get(kind) ?? { count: 0, sum: 0, buckets: new Array<number>(GC_BOUNDS.length + 1).fill(0) }
      g.count++
      g.sum += s
      g.buckets[GC_BOUNDS.findIndex((b) => s <= b) === -1 ? GC_BOUNDS.length : GC_BOUNDS.findIndex((b) => s <= b)]!++
      gc.set(kind, g)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  return {
    sample(base, startNs) {
      const scope = { name: 'telemetry-ingest/runtime' }
      const gauge = (name: string, unit: string, value: number, attributes: Record<string, string> = {}): ClientMetricPoint => ({ ...base, name, unit, type: 'gauge', value, attributes, scope })
      const points: ClientMetricPoint[] = []
      // histogram values are nanoseconds; NaN before the first sample of a quiet loop
      const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0)
      points.push(gauge('nodejs.eventloop.delay.p50', 's', ns(delay.percentile(50))), gauge('nodejs.eventloop.delay.p99', 's', ns(delay.percentile(99))), gauge('nodejs.eventloop.delay.max', 's', ns(delay.max)))
      delay.reset()
      const nowElu = performance.eventLoopUtilization()
      points.push(gauge('nodejs.eventloop.utilization', '1', performance.eventLoopUtilization(nowElu, elu).utilization))
      elu = nowElu
      for (const space of getHeapSpaceStatistics()) {
        points.push(gauge('v8js.memory.heap.used', 'By', space.space_used_size, { 'v8js.heap.space.name': space.space_name }))
      }
      const nowCpu = process.cpuUsage()
      const elapsedUs = Math.max(1, (performance.now() - cpuAt) * 1000) * availableParallelism()
      points.push(
        gauge('process.cpu.utilization', '1', (nowCpu.user - cpu.user) / elapsedUs, { 'cpu.mode': 'user' }),
        gauge('process.cpu.utilization', '1', (nowCpu.system - cpu.system) / elapsedUs, { 'cpu.mode': 'system' }),
      )
      cpu = nowCpu
      cpuAt = performance.now()
      points.push(gauge('process.memory.usage', 'By', process.memoryUsage.rss()))
      for (const [kind, g] of gc) {
        points.push({ ...base, name: 'v8js.gc.duration', unit: 's', type: 'histogram', temporality: 'delta', start_time_unix_nano: startNs, count: g.count, sum: g.sum, explicit_bounds: GC_BOUNDS, bucket_counts: g.buckets, attributes: { 'v8js.gc.type': kind }, scope })
      }
      gc.clear()
      return points
    },
    stop() {
      delay.disable()
      observer.disconnect()
    },
  }
}
