// W3C Trace Context: continue the caller's trace when its traceparent is valid, else start a new one.
// The outgoing traceparent names the gateway's own span as parent, as the seed gateway did.
import { randomHexId } from '../../common/ids.ts'
import { parseTraceparent } from '../../common/traceparent.ts'

export type TraceContext = {
  traceId: string
  /** the caller's span id, when the request carried a valid traceparent */
  parentSpanId: string | null
  /** the gateway's span for this request */
  spanId: string
  flags: string
  /** the header value written to Kafka */
  traceparent: string
}

export function continueOrStartTrace(header: string | undefined | null): TraceContext {
  const caller = parseTraceparent(header)
  const traceId = caller ? caller.traceId : randomHexId(16)
  const flags = caller ? caller.flags : '01'
  const spanId = randomHexId(8)
  return { traceId, parentSpanId: caller ? caller.spanId : null, spanId, flags, traceparent: `00-${traceId}-${spanId}-${flags}` }
}

/** The same context with its outgoing sampled flag set to the self-trace decision (downstream follows it). */
export function withSampledFlag(trace: TraceContext, sampled: boolean): TraceContext {
  const flags = ((parseInt(trace.flags, 16) & ~1) | (sampled ? 1 : 0)).toString(16).padStart(2, '0')
  return { ...trace, flags, traceparent: `00-${trace.traceId}-${trace.spanId}-${flags}` }
}
