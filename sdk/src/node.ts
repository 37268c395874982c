// The SDK for Node services: createClient from index.ts plus what only Node has — runtime metrics
// (category "metrics"), opt-in shutdown hooks, and the active OpenTelemetry span when @opentelemetry/api
// is installed (an optional peer, loaded if present). Node's fetch keeps connections alive by itself.
import { createRequire } from 'node:module'
import { Core } from './client.ts'
import { createClient as createBaseClient, type Client, type ClientOptions, type FlushResult } from './index.ts'
import { runtimeSampler } from './runtimeMetrics.ts'
import { otelTraceContext, type OtelApi } from './traceContext.ts'
import { uuidv7 } from './uuid.ts'

export * from './index.ts'

export type NodeClientOptions = ClientOptions & {
  /** Fill trace ids from the active span: 'auto' (default) loads @opentelemetry/api if installed; false: off. */
  otel?: 'auto' | false | OtelApi
}

export type NodeClient = Client & {
  /** Send runtime metric points every `intervalMs` (default 15 s) as `service` (default appId); returns stop(). */
  collectRuntimeMetrics(options?: { intervalMs?: number; service?: string }): () => void
  /** Opt-in: on these signals (default SIGTERM, SIGINT) and beforeExit, shutdown() within `timeoutMs`, then let the signal act. */
  installShutdownHooks(options?: { signals?: NodeJS.Signals[]; timeoutMs?: number }): () => void
}

export function createClient(options: NodeClientOptions): NodeClient {
  const traceContext = options.traceContext ?? traceFromOtel(options.otel ?? 'auto')
  const base = createBaseClient({ ...options, traceContext, pageLifecycle: false, storage: false })
  let metrics: Core | null = null
  const stops: Array<() => void> = []
  const both = (a: FlushResult, b: FlushResult | null): FlushResult =>
    b ? { accepted: a.accepted + b.accepted, refused: a.refused + b.refused, dropped: a.dropped + b.dropped, pending: a.pending + b.pending } : a
  const metricsFlush = async (): Promise<FlushResult | null> => {
    if (!metrics) return null
    const before = metrics.stats()
    await metrics.whenSettled()
    const after = metrics.stats()
    return { accepted: after.accepted - before.accepted, refused: after.refused - before.refused, dropped: after.dropped - before.dropped, pending: after.queued }
  }
  const client: NodeClient = {
    ...base,
    flush: async () => both(...(await Promise.all([base.flush(), metricsFlush()]))),
    async shutdown(o) {
      for (const stop of stops.splice(0)) stop()
      const [a, b] = await Promise.all([base.shutdown(o), metricsFlush()])
      metrics?.stop('shutdown_deadline')
      return both(a, b)
    },
    collectRuntimeMetrics(o) {
      metrics ??= new Core({ ...options, traceContext: undefined, category: 'metrics', pageLifecycle: false, storage: false })
      const sampler = runtimeSampler(o?.service ?? options.appId, () => uuidv7())
      const timer = setInterval(() => {
        for (const point of sampler.collect()) metrics!.trackItem(point)
      }, o?.intervalMs ?? 15_000)
      timer.unref()
      const stop = () => {
        clearInterval(timer)
        sampler.stop()
      }
      stops.push(stop)
      return stop
    },
    installShutdownHooks(o) {
      const signals = o?.signals ?? ['SIGTERM', 'SIGINT']
      const onSignal = (signal: NodeJS.Signals) => {
        remove()
        void client.shutdown({ timeoutMs: o?.timeoutMs }).finally(() => process.kill(process.pid, signal))
      }
      const onBeforeExit = () => {
        if (client.stats().queued > 0 || (metrics?.stats().queued ?? 0) > 0) void client.flush()
      }
      const remove = () => {
        for (const s of signals) process.off(s, onSignal)
        process.off('beforeExit', onBeforeExit)
      }
      for (const s of signals) process.once(s, onSignal)
      process.on('beforeExit', onBeforeExit)
      return remove
    },
  }
  return client
}

function traceFromOtel(otel: 'auto' | false | OtelApi): ClientOptions['traceContext'] {
  if (otel === false) return undefined
  if (otel !== 'auto') return otelTraceContext(otel)
  try {
    return otelTraceContext(createRequire(import.meta.url)('@opentelemetry/api') as OtelApi)
  } catch {
    return undefined // not installed: no trace context
  }
}
