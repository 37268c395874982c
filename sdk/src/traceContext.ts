// Trace context from @opentelemetry/api (an optional peer: the app passes its own `api` module, so the SDK
// has no dependency on it): the active span fills each event's trace_id/span_id and the request's
// traceparent, so the gateway's self-trace joins the app's trace.
import type { TraceContext } from './options.ts'

/** The part of @opentelemetry/api used here. */
export type OtelApi = {
  trace: { getActiveSpan(): { spanContext(): { traceId: string; spanId: string; traceFlags: number } } | undefined }
}

const INVALID_TRACE = /^0+$/

export function otelTraceContext(api: OtelApi): () => TraceContext | undefined {
  return () => {
    const ctx = api.trace.getActiveSpan()?.spanContext()
    if (!ctx || INVALID_TRACE.test(ctx.traceId) || INVALID_TRACE.test(ctx.spanId)) return undefined
    const flags = (ctx.traceFlags & 0xff).toString(16).padStart(2, '0')
    return { traceId: ctx.traceId, spanId: ctx.spanId, traceparent: `00-${ctx.traceId}-${ctx.spanId}-${flags}` }
  }
}
