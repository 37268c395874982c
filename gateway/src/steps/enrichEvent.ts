// Step 3 of POST /v1/batch: give every valid event its server identity and times, and geo from its IP.
import { isIP } from 'node:net'
import type { BatchMeta } from '../../../schemas/envelope.ts'
import { EVENT_SCHEMA_VERSION, type ClientEvent, type EnrichedEvent } from '../../../schemas/event.ts'
import { anonymizeIp, type IpAnonymization } from '../anonymizeIp.ts'
import { normalizeIp } from '../clientAddress.ts'
import type { GeoLookup } from '../geo.ts'
import { eventIdentity } from './eventIdentity.ts'
import type { Rejected, ValidationOutcome } from './splitAndValidate.ts'

export type RequestFacts = {
  requestId: string
  receivedAt: number
  clientIp: string
  meta: BatchMeta
  maxFutureMs: number
  /** Applied after the geo lookup: the stored and produced `ip` is truncated or empty. */
  ipAnonymization: IpAnonymization
}

export type Enriched = { index: number; id: string; ok: true; event: EnrichedEvent }
export type EnrichOutcome = Enriched | Rejected

export function enrichEvents(outcomes: ValidationOutcome[], facts: RequestFacts, lookup: GeoLookup): EnrichOutcome[] {
  const shared = sharedFields(facts)
  // once per distinct IP in the request (a batch usually has one), then the process-wide LRU
  const seen = new Map<string, ReturnType<GeoLookup>>()
  const geo: GeoLookup = (ip) => {
    let place = seen.get(ip)
    if (place === undefined) seen.set(ip, (place = lookup(ip)))
    return place
  }
  return outcomes.map((o) => {
    if (!o.ok) return o
    const ip = o.event.ip === undefined ? facts.clientIp : normalizeIp(o.event.ip)
    if (o.event.ip !== undefined && !isIP(ip)) {
      return { index: o.index, id: o.id, ok: false, reason: 'INVALID_IP', message: `ip "${o.event.ip.slice(0, 64)}" is not an IPv4 or IPv6 address` }
    }
    return { index: o.index, id: o.id, ok: true, event: enrichOne(o.event, ip, facts, shared, geo) }
  })
}

function sharedFields(facts: RequestFacts) {
  const { meta } = facts
  return {
    app_id: meta.app_id,
    category: meta.category,
    sdk_name: meta.sdk?.name ?? '',
    sdk_version: meta.sdk?.version ?? '',
    device_id: meta.device_id ?? '',
    context: meta.context ?? {},
    sent_at: meta.sent_at ?? null,
    request_id: facts.requestId,
  }
}

function enrichOne(event: ClientEvent, ip: string, facts: RequestFacts, shared: ReturnType<typeof sharedFields>, geo: GeoLookup): EnrichedEvent {
  // UUID client ids get a server id and time that a resend reproduces exactly (eventIdentity.ts)
  const identity = eventIdentity(shared.app_id, event.id, event.timestamp, correctTime(event.timestamp, shared.sent_at, facts.receivedAt, facts.maxFutureMs), facts.receivedAt)
  const place = geo(ip)
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    backend_id: identity.backend_id,
    event_id: event.id,
    app_id: shared.app_id,
    category: shared.category,
    name: event.name,
    timestamp: identity.timestamp,
    client_timestamp: event.timestamp,
    received_at: facts.receivedAt,
    sent_at: shared.sent_at,
    time_correction: identity.time_correction,
    ip: anonymizeIp(ip, facts.ipAnonymization),
    country: place.country,
    region: place.region,
    city: place.city,
    properties: event.properties ?? {},
    trace_id: event.trace_id ?? '',
    span_id: event.span_id ?? '',
    sdk_name: shared.sdk_name,
    sdk_version: shared.sdk_version,
    device_id: shared.device_id,
    context: shared.context,
    request_id: shared.request_id,
  }
}

/**
 * The client's clock may be wrong. With `sent_at` (client clock at send time) the offset to our clock is
 * known and applied. A time still more than `maxFutureMs` ahead of receipt is not trusted: it becomes the
 * receive time, and the event records that it was replaced.
 */
export function correctTime(clientTs: number, sentAt: number | null, receivedAt: number, maxFutureMs: number) {
  let timestamp = clientTs
  let correction: EnrichedEvent['time_correction'] = 'none'
  if (sentAt !== null && sentAt !== receivedAt) {
    timestamp = Math.max(0, clientTs + (receivedAt - sentAt))
    correction = 'clock_skew'
  }
  if (timestamp > receivedAt + maxFutureMs) {
    timestamp = receivedAt
    correction = 'future_replaced'
  }
  return { timestamp, correction }
}
