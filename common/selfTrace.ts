// The pipeline traces itself: gateway and consumers record their own spans (no OpenTelemetry SDK: a
// minimal recorder) and produce them DIRECTLY to the spans topic with their Kafka producer, never over
// HTTP. Each span is the span type's client shape, validated and enriched by its declaration (schemas/span.ts),
// exactly as a /v1/batch span would be, and marked as self-telemetry (resource attribute telemetry.self=true,
// Kafka header telemetry-self=1) so the consumer never traces the loading of its own spans (no loop).
// Spans are buffered and flushed every FLUSH_MS or FLUSH_AT spans as one produce (acks=-1). The buffer is
// bounded: when full, new spans are dropped and counted; recording never blocks or fails a request.
import { createHash } from 'node:crypto'
import { randomHexId } from './ids.ts'
import { topicFor } from '../schemas/event.ts'
import { spanType, type ClientSpan } from '../schemas/span.ts'
import { serverSideFacts } from '../schemas/telemetryType.ts'

export type SelfTraceConfig = { sampleRatio: number; topicTemplate: string }

export type SelfSpanMessage = { key: string; value: string; headers: Record<string, string> }
/** Resolves when the spans topic acknowledged the messages (acks from all in-sync replicas). */
export type SelfSpanSend = (topic: string, messages: SelfSpanMessage[]) => Promise<void>

/** Kafka header on self-telemetry messages: the consumer does not self-trace loading them. */
export const SELF_TELEMETRY_HEADER = 'telemetry-self'

/**
 * Deterministic per trace id, so gateway and consumer agree and a sampled upload is complete: the first
 * 8 bytes of SHA-256(trace id) as a fraction of 2^64, below the ratio. Ratio 0 is off, 1 is everything.
 */
export function sampledByRatio(traceId: string, ratio: number): boolean {
  if (ratio <= 0) return false
  if (ratio >= 1) return true
  const h = createHash('sha256').update(traceId).digest().readBigUInt64BE(0)
  return Number(h) / 2 ** 64 < ratio
}

/**
 * The gateway's decision for one request. Off (ratio 0): never. Else a caller's traceparent with the
 * sampled flag (01) is honoured; otherwise the trace id's hash decides. The outgoing traceparent carries
 * the decision as its sampled flag, which the consumer follows.
 */
export function sampleRequest(traceId: string, callerFlags: string | null, ratio: number): boolean {
  if (ratio <= 0) return false
  if (callerFlags !== null && (parseInt(callerFlags, 16) & 1) === 1) return true
  return sampledByRatio(traceId, ratio)
}

// Wall-clock nanoseconds: hrtime's resolution anchored once to Date.now().
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
export const nowNs = (): bigint => anchorNs + process.hrtime.bigint()

type Attributes = Record<string, string | number | boolean>

export type SpanStart = {
  name: string
  traceId: string
  /** default: a new random id */
  spanId?: string
  parentSpanId?: string | null
  kind?: ClientSpan['kind']
  attributes?: Attributes
  links?: Array<{ trace_id: string; span_id: string; attributes?: Attributes }>
  /** default: now */
  startNs?: bigint
  /** the request id the span's item is enriched with (the request's own, or '' for a consumer batch) */
  requestId?: string
}

export type RecordingSpan = {
  readonly traceId: string
  readonly spanId: string
  readonly startNs: bigint
  setAttributes(a: Attributes): void
  /** Records the span (once); an error message sets status error. */
  end(opts?: { error?: string; endNs?: bigint }): void
}

export type SelfTracer = {
  readonly enabled: boolean
  /** SELF_TRACE_SAMPLE_RATIO */
  readonly sampleRatio: number
  startSpan(s: SpanStart): RecordingSpan
  /** spans dropped since start (buffer full, invalid, or the produce failed) */
  dropped(): number
  /** spans waiting for the next flush */
  buffered(): number
  flush(): Promise<void>
  /** Flush what is buffered and stop the timer. */
  close(): Promise<void>
}

export type SelfTracerOptions = {
  config: SelfTraceConfig
  /** service.name of the spans: telemetry-gateway or telemetry-consumer */
  service: string
  send: SelfSpanSend
  onError?: (message: string, fields: Record<string, unknown>) => void
  maxBuffered?: number
  flushAt?: number
  flushMs?: number
}

export const SELF_TRACE_MAX_BUFFERED = 10_000
const FLUSH_AT = 500
const FLUSH_MS = 1_000
const CLOSE_WAIT_MS = 5_000

export function createSelfTracer(opts: SelfTracerOptions): SelfTracer {
  const maxBuffered = opts.maxBuffered ?? SELF_TRACE_MAX_BUFFERED
  const flushAt = opts.flushAt ?? FLUSH_AT
  const topic = topicFor(opts.config.topicTemplate, spanType.category)
  const enabled = opts.config.sampleRatio > 0
  const resource = { 'service.name': opts.service, 'telemetry.self': true }
  const headers = { [SELF_TELEMETRY_HEADER]: '1', 'schema-version': '1', 'content-type': 'application/json' }
  let buffer: SelfSpanMessage[] = []
  let droppedCount = 0
  const sending = new Set<Promise<void>>()
  const timer = enabled ? setInterval(() => void flush(), opts.flushMs ?? FLUSH_MS) : null
  timer?.unref()

  function record(span: ClientSpan, requestId: string) {
    if (buffer.length >= maxBuffered) {
      droppedCount++
      return
    }
    const parsed = spanType.clientSchema.safeParse(span)
    if (!parsed.success) {
      droppedCount++
      return
    }
    const enriched = spanType.enrich(parsed.data, serverSideFacts({ requestId, receivedAt: Date.now(), appId: opts.service, category: spanType.category }))
    if (!enriched.ok) {
      droppedCount++
      return
    }
    buffer.push({ key: spanType.partitionKey(enriched.value), value: JSON.stringify(enriched.value), headers })
    if (buffer.length >= flushAt) void flush()
  }

  function flush(): Promise<void> {
    if (buffer.length === 0) return Promise.all([...sending]).then(() => {})
    const batch = buffer
    buffer = []
    const sent = opts.send(topic, batch).catch((err: unknown) => {
      droppedCount += batch.length
      opts.onError?.('self-trace spans not produced; dropped', { spans: batch.length, error: (err as Error).message })
    })
    sending.add(sent)
    void sent.finally(() => sending.delete(sent))
    return Promise.all([...sending]).then(() => {})
  }

  return {
    enabled,
    sampleRatio: opts.config.sampleRatio,
    startSpan(s) {
      const startNs = s.startNs ?? nowNs()
      const spanId = s.spanId ?? randomHexId(8)
      const attributes: Attributes = { ...s.attributes }
      let ended = false
      return {
        traceId: s.traceId,
        spanId,
        startNs,
        setAttributes(a) {
          Object.assign(attributes, a)
        },
        end(e = {}) {
          if (ended || !enabled) return
          ended = true
          const endNs = e.endNs ?? nowNs()
          record(
            {
              trace_id: s.traceId,
              span_id: spanId,
              parent_span_id: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind ?? 'internal',
              start_time_unix_nano: startNs.toString(),
              end_time_unix_nano: (endNs < startNs ? startNs : endNs).toString(),
              status: e.error === undefined ? { code: 'unset' } : { code: 'error', message: e.error.slice(0, 4096) },
              service: opts.service,
              attributes,
              resource_attributes: resource,
              ...(s.links && s.links.length > 0 ? { links: s.links.slice(0, 128) } : {}),
              scope: { name: 'telemetry-ingest/self-trace' },
            },
            s.requestId ?? '',
          )
        },
      }
    },
    dropped: () => droppedCount,
    buffered: () => buffer.length,
    flush,
    async close() {
      if (timer) clearInterval(timer)
      // a stop must not wait on an unreachable broker for long: what is not acknowledged by then is lost
      await Promise.race([flush(), new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS).unref())])
    },
  }
}

/** A tracer that records nothing (unit tests, and every component when SELF_TRACE_SAMPLE_RATIO=0). */
export const noSelfTracer: SelfTracer = createSelfTracer({
  config: { sampleRatio: 0, topicTemplate: '{category}' },
  service: 'none',
  send: async () => {},
})
