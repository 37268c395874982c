// The pipeline measures itself into its own store: every SELF_METRICS_INTERVAL_MS, gateway and consumers
// turn their prom-client registry (common/promPoints.ts: counters and histograms as delta points) and their
// Node runtime (common/runtimeMetrics.ts) into metric points, validate and enrich them with the metric
// point declaration (schemas/metricPoint.ts) and produce them straight to the metrics topic with the
// process's own producer (acks=-1), as self-tracing does with spans. The messages carry the header
// telemetry-self=1: the consumer counts nothing about loading them, so a report never causes another (no loop).
import { hostname } from 'node:os'
import type { Registry } from 'prom-client'
import { promToPoints, type PromBaseline, type PromMetric } from './promPoints.ts'
import { createRuntimeSampler } from './runtimeMetrics.ts'
import { nowNs, SELF_TELEMETRY_HEADER, type SelfSpanSend } from './selfTrace.ts'
import { topicFor } from '../schemas/event.ts'
import { metricPointType } from '../schemas/metricPoint.ts'
import { serverSideFacts } from '../schemas/telemetryType.ts'

export type SelfMetricsConfig = { intervalMs: number; topicTemplate: string }

export type SelfMetrics = {
  readonly enabled: boolean
  /** One report now: resolves when the metrics topic acknowledged it (or it failed and was kept for the next). */
  report(): Promise<void>
  /** reports not produced since start */
  failedReports(): number
  /** A last report, then stop the timer. */
  close(): Promise<void>
}

export type SelfMetricsOptions = {
  config: SelfMetricsConfig
  /** service.name: telemetry-gateway or telemetry-consumer */
  service: string
  registry: Registry
  send: SelfSpanSend
  onError?: (message: string, fields: Record<string, unknown>) => void
}

const CLOSE_WAIT_MS = 5_000
// prom-client's default metrics (collectDefaultMetrics): the runtime is reported under the OpenTelemetry names instead
const isDefaultPromMetric = (m: PromMetric) => m.name.startsWith('process_') || m.name.startsWith('nodejs_')

export function createSelfMetrics(opts: SelfMetricsOptions): SelfMetrics {
  const enabled = opts.config.intervalMs > 0
  const topic = topicFor(opts.config.topicTemplate, metricPointType.category)
  const headers = { [SELF_TELEMETRY_HEADER]: '1', 'schema-version': '1', 'content-type': 'application/json' }
  const resource = { 'service.name': opts.service, 'service.instance.id': `${hostname()}/${process.pid}`, 'telemetry.self': true }
  const runtime = enabled ? createRuntimeSampler() : null
  let baseline: PromBaseline = new Map()
  let lastReportNs = nowNs()
  let failed = 0
  let running: Promise<void> | null = null
  const timer = enabled ? setInterval(() => void report(), opts.config.intervalMs) : null
  timer?.unref()

  async function produceReport() {
    const timeNs = nowNs()
    const ctx = { service: opts.service, timeNs: timeNs.toString(), startNs: lastReportNs.toString(), resource }
    const { points, next } = promToPoints(((await opts.registry.getMetricsAsJSON()) as unknown as PromMetric[]).filter((m) => !isDefaultPromMetric(m)), baseline, ctx)
    points.push(...runtime!.sample({ service: ctx.service, time_unix_nano: ctx.timeNs, resource_attributes: resource }, ctx.startNs))
    const messages = []
    for (const point of points) {
      const parsed = metricPointType.clientSchema.safeParse(point)
      if (!parsed.success) continue // a label value over the schema's limits: that series is not reported
      const enriched = metricPointType.enrich(parsed.data, serverSideFacts({ requestId: '', receivedAt: Date.now(), appId: opts.service, category: metricPointType.category }))
      if (!enriched.ok) continue // refused like a client's point would be: that series is not reported
      messages.push({ key: metricPointType.partitionKey(enriched.value), value: JSON.stringify(enriched.value), headers })
    }
    try {
      if (messages.length > 0) await opts.send(topic, messages)
      // only a produced report moves the baseline: a failed one's counts go out with the next
      baseline = next
      lastReportNs = timeNs
    } catch (err) {
      failed++
      opts.onError?.('self-metrics not produced; kept for the next report', { points: messages.length, error: (err as Error).message })
    }
  }

  function report(): Promise<void> {
    if (!enabled) return Promise.resolve()
    // one report at a time: a slow broker must not pile them up
    running ??= produceReport().finally(() => (running = null))
    return running
  }

  return {
    enabled,
    report,
    failedReports: () => failed,
    async close() {
      if (timer) clearInterval(timer)
      if (enabled) await Promise.race([running ?? report(), new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS).unref())])
      runtime?.stop()
    },
  }
}
