// W3C Trace Context: continue the caller's trace when its traceparent is valid, else start a new one.
// The outgoing traceparent names the gateway's own span as parent, as the seed gateway did.
import { randomHexId } from '../../common/ids.ts'

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

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
  const m = header ? TRACEPARENT.exec(header.trim()) : null
  const valid =
    m !== null && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!) && (m[1] !== '00' || m[5] === undefined)
  const traceId = valid ? m[2]! : randomHexId(16)
  const flags = valid ? m[4]! : '01'
  const spanId = randomHexId(8)
  return { traceId, parentSpanId: valid ? m[3]! : null, spanId, flags, traceparent: `00-${traceId}-${spanId}-${flags}` }
}

/** The same context with its outgoing sampled flag set to the self-trace decision (downstream follows it). */
export function withSampledFlag(trace: TraceContext, sampled: boolean): TraceContext {
  const flags = ((parseInt(trace.flags, 16) & ~1) | (sampled ? 1 : 0)).toString(16).padStart(2, '0')
  return { ...trace, flags, traceparent: `00-${trace.traceId}-${trace.spanId}-${flags}` }
}
