// The gateway's self-trace of one ingest request (SELF_TRACE_SAMPLE_RATIO): a server span whose id is the
// gateway span id already written in the Kafka traceparent, parent = the caller's span, and one child span
// per step. When the request is not sampled the steps get no spans and nothing is recorded.
import type { Context } from 'hono'
import type { GatewayEnv } from './gatewayEnv.ts'
import type { RecordingSpan, SelfTracer } from '../../common/selfTrace.ts'

export type StepSpans = {
  /** a child span of the request span, or null when the request is not traced */
  child(name: string): RecordingSpan | null
  /** runs a synchronous step inside a child span, with attributes taken from its result */
  step<T>(name: string, run: () => T, attributes: (result: T) => Record<string, string | number>): T
}

const untraced: StepSpans = { child: () => null, step: (_name, run) => run() }

export async function traceRequest(c: Context<GatewayEnv>, tracer: SelfTracer | undefined, route: string, handle: (spans: StepSpans) => Promise<Response>): Promise<Response> {
  if (!c.get('selfTraced') || !tracer) return handle(untraced)
  const trace = c.get('trace')
  const requestId = c.get('requestId')
  const server = tracer.startSpan({ name: `POST ${route}`, kind: 'server', traceId: trace.traceId, spanId: trace.spanId, parentSpanId: trace.parentSpanId, requestId, attributes: { 'http.route': route } })
  const child = (name: string) => tracer.startSpan({ name, traceId: trace.traceId, parentSpanId: server.spanId, requestId })
  const spans: StepSpans = {
    child,
    step(name, run, attributes) {
      const span = child(name)
      const result = run()
      span.setAttributes(attributes(result))
      span.end()
      return result
    },
  }
  try {
    const res = await handle(spans)
    server.setAttributes({ 'http.response.status_code': res.status })
    server.end(res.status >= 500 ? { error: `HTTP ${res.status}` } : {})
    return res
  } catch (err) {
    server.end({ error: (err as Error).message })
    throw err
  }
}
