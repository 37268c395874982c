// The generic event's entry in the registry (schemas/telemetryTypes.ts): its shapes, table and row mapper
// (event.ts), and its enrich: the server id and times, the batch's meta copied into the event, geo from its
// IP (then IP_ANONYMIZATION), and the client clock corrected. It takes every category no other type reserves.
import { isIP } from 'node:net'
import { normalizeIp } from '../common/ip.ts'
import { eventIdentity } from './eventIdentity.ts'
import { parseCommonEnrichedEvent } from './enrichedEventCommon.ts'
import { ANY_CATEGORY, idField, type EnrichResult, type RequestFacts, type TelemetryType } from './telemetryType.ts'
import { clientEventSchema, enrichedEventSchema, eventsTable, EVENT_SCHEMA_VERSION, parseCommonClientEvent, toEventRow, type ClientEvent, type EnrichedEvent } from './event.ts'

export const eventType: TelemetryType<ClientEvent, EnrichedEvent> = {
  category: ANY_CATEGORY,
  noun: 'event',
  messagePrefix: '',
  schemaVersion: EVENT_SCHEMA_VERSION,
  clientSchema: clientEventSchema,
  parseCommon: parseCommonClientEvent,
  itemId: (item) => idField(item, 'id'),
  attributeObjects: (e) => (e.properties ? [['properties', e.properties]] : []),
  uniqueKey: (e) => e.id,
  duplicateMessage: (id) => `id "${id}" already appears earlier in this batch`,
  enrich: enrichEvent,
  enrichedSchema: enrichedEventSchema,
  parseCommonEnriched: parseCommonEnrichedEvent,
  // one device's events (else one app's) share a key, hence a partition, hence an order
  partitionKey: (e) => (e.device_id ? `${e.app_id}/${e.device_id}` : e.app_id),
  table: eventsTable,
  toRow: toEventRow,
}

function enrichEvent(event: ClientEvent, facts: RequestFacts): EnrichResult<EnrichedEvent> {
  const ip = event.ip === undefined ? facts.clientIp : normalizeIp(event.ip)
  if (event.ip !== undefined && !isIP(ip)) {
    return { ok: false, reason: 'INVALID_IP', message: `ip "${event.ip.slice(0, 64)}" is not an IPv4 or IPv6 address` }
  }
  const { meta } = facts
  const sentAt = meta?.sent_at ?? null
  // UUID client ids get a server id and time that a resend reproduces exactly (eventIdentity.ts)
  const identity = eventIdentity(facts.appId, event.id, event.timestamp, correctTime(event.timestamp, sentAt, facts.receivedAt, facts.maxFutureMs), facts.receivedAt)
  const place = facts.geo(ip)
  return {
    ok: true,
    value: {
      schema_version: EVENT_SCHEMA_VERSION,
      backend_id: identity.backend_id,
      event_id: event.id,
      app_id: facts.appId,
      category: facts.category,
      name: event.name,
      timestamp: identity.timestamp,
      client_timestamp: event.timestamp,
      received_at: facts.receivedAt,
      sent_at: sentAt,
      time_correction: identity.time_correction,
      ip: facts.anonymizeIp(ip),
      country: place.country,
      region: place.region,
      city: place.city,
      properties: event.properties ?? {},
      trace_id: event.trace_id ?? '',
      span_id: event.span_id ?? '',
      sdk_name: meta?.sdk?.name ?? '',
      sdk_version: meta?.sdk?.version ?? '',
      device_id: meta?.device_id ?? '',
      context: meta?.context ?? {},
      request_id: facts.requestId,
    },
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
