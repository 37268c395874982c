// The end-to-end key of an event: what makes a resend (the client never got the answer) the same row.
// ClickHouse collapses rows of `events` whose sorting key (app_id, category, toStartOfHour(timestamp),
// backend_id) is equal (schemas/clickhouse/001_events.sql). When the client's event id is a UUID (the SDK
// sends UUID v7s), both parts that could differ between attempts are made functions of what the client
// resends unchanged:
//   - backend_id = UUID v5 of (app_id, client id): the same on every attempt, and not chosen by the client;
//   - timestamp: the clock-skew correction uses meta.sent_at of this attempt, so it differs by the network
//     latency of each attempt; it is applied only beyond SKEW_TOLERANCE_MS (a wrong clock, not latency),
//     so a well-set clock's resend keeps the client's own time, hence the same hour and partition.
// Other ids keep today's behaviour: a fresh UUID v7 per request (resends are distinct rows).
import { hash } from 'node:crypto'
import { uuidv7 } from '../common/ids.ts'
import type { EnrichedEvent } from './event.ts'

/** Offsets between meta.sent_at and receipt smaller than this are latency, not a wrong clock. */
export const SKEW_TOLERANCE_MS = 60_000

/** This project's UUID v5 namespace for event ids (a constant: changing it would split resends from originals). */
const EVENT_ID_NAMESPACE = Buffer.from('ff9782005f474e15 9dbc abf33b802d7b'.replaceAll(' ', ''), 'hex')

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

type Corrected = { timestamp: number; correction: EnrichedEvent['time_correction'] }
export type EventIdentity = { backend_id: string; timestamp: number; time_correction: EnrichedEvent['time_correction'] }

/**
 * The server id and stored time of one event. `corrected` is correctTime()'s answer for this attempt;
 * `clientTimestamp` the event's own time.
 */
export function eventIdentity(appId: string, clientId: string, clientTimestamp: number, corrected: Corrected, receivedAt: number): EventIdentity {
  if (!UUID.test(clientId)) return { backend_id: uuidv7(receivedAt), timestamp: corrected.timestamp, time_correction: corrected.correction }
  const latencyOnly = corrected.correction === 'clock_skew' && Math.abs(corrected.timestamp - clientTimestamp) < SKEW_TOLERANCE_MS
  return {
    backend_id: uuidv5(EVENT_ID_NAMESPACE, JSON.stringify([appId, clientId])),
    timestamp: latencyOnly ? clientTimestamp : corrected.timestamp,
    time_correction: latencyOnly ? 'none' : corrected.correction,
  }
}

/** RFC 9562 version 5 (SHA-1, name-based). */
export function uuidv5(namespace: Buffer, name: string): string {
  // one-shot hash of namespace + name (crypto.hash: no Hash object per event)
  const b = hash('sha1', Buffer.concat([namespace, Buffer.from(name, 'utf8')]), 'buffer').subarray(0, 16)
  b[6] = 0x50 | (b[6]! & 0x0f)
  b[8] = 0x80 | (b[8]! & 0x3f)
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
