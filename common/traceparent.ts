// W3C Trace Context `traceparent`: the one parser, for the gateway (a caller's header) and the consumer (the
// header the gateway wrote to Kafka).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

export type Traceparent = { traceId: string; spanId: string; flags: string; sampled: boolean }

/** `00-<trace>-<span>-<flags>`; null when malformed, version ff, an all-zero id, or version 00 with extra fields. */
export function parseTraceparent(value: string | undefined | null): Traceparent | null {
  const m = value ? TRACEPARENT.exec(value.trim()) : null
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!) || (m[1] === '00' && m[5] !== undefined)) return null
  return { traceId: m[2]!, spanId: m[3]!, flags: m[4]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 }
}
