// Step 5 of POST /v1/batch: one part per item, in request order, and the batch status.
import { BatchCode, partCodes } from '../../../schemas/codes.ts'
import type { EnrichOutcome } from './enrichItems.ts'
import type { ProduceResult } from './produceAccepted.ts'

export type Part = { id: string; backend_id: string; code: number; message: string; retryable: boolean }
export type BatchResponse = { code: number; message: string; retryable: boolean; parts: Part[] }
export type BuiltResponse = { status: 200 | 206 | 400 | 503; body: BatchResponse; accepted: number; rejected: number }

export function buildResponse(outcomes: EnrichOutcome[], produced: ProduceResult): BuiltResponse {
  const kafkaDown = produced.status === 'unavailable'
  let accepted = 0
  const parts: Part[] = outcomes.map((o) => {
    if (!o.ok) {
      const c = partCodes[o.reason]
      return { id: o.id, backend_id: '', code: c.code, message: o.message, retryable: c.retryable }
    }
    if (kafkaDown) {
      const c = partCodes.KAFKA_UNAVAILABLE
      return { id: o.id, backend_id: '', code: c.code, message: 'Kafka did not acknowledge in time; send this event again later', retryable: true }
    }
    accepted++
    return { id: o.id, backend_id: o.item.backend_id, code: 0, message: 'accepted', retryable: false }
  })
  const rejected = parts.length - accepted

  if (kafkaDown) {
    return {
      status: 503,
      body: { code: BatchCode.NONE_ACCEPTED, message: 'Kafka is unavailable: no event was accepted; retry after the Retry-After delay', retryable: true, parts },
      accepted: 0,
      rejected,
    }
  }
  if (rejected === 0) {
    return { status: 200, body: { code: BatchCode.ALL_ACCEPTED, message: 'all events accepted', retryable: false, parts }, accepted, rejected }
  }
  const anyRetryable = parts.some((p) => p.retryable)
  if (accepted === 0) {
    return {
      status: 400,
      body: { code: BatchCode.NONE_ACCEPTED, message: 'no event was accepted: see each part for the reason', retryable: anyRetryable, parts },
      accepted,
      rejected,
    }
  }
  return {
    status: 206,
    body: { code: BatchCode.PARTIAL, message: `${accepted} of ${parts.length} events accepted: see the other parts for the reason`, retryable: anyRetryable, parts },
    accepted,
    rejected,
  }
}

/** Whole-request refusals (bad envelope, too large, bad encoding) have no parts. */
export function envelopeError(message: string, retryable = false): BatchResponse {
  return { code: BatchCode.NONE_ACCEPTED, message, retryable, parts: [] }
}
