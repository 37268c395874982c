import { describe, expect, it } from 'vitest'
import { anonymizeIp } from '../src/anonymizeIp.ts'
import { resolveClientAddress } from '../src/clientAddress.ts'
import { createGeoLookup } from '../src/geo.ts'
import { correctTime } from '../../schemas/eventType.ts'
import type { RequestFacts } from '../../schemas/telemetryType.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import type { IpAnonymization } from '../src/anonymizeIp.ts'
import { enrichItems } from '../src/steps/enrichItems.ts'
import { continueOrStartTrace } from '../src/traceparent.ts'

const received = 1_764_064_800_000
const DAY = 86_400_000

describe('correctTime', () => {
  it.each([
    ['no sent_at, time in the past: kept', received - 5000, null, received - 5000, 'none'],
    ['client clock 90 s fast: shifted back', received + 85_000, received + 90_000, received - 5_000, 'clock_skew'],
    ['client clock 1 h slow: shifted forward', received - 3_600_000 - 1000, received - 3_600_000, received - 1000, 'clock_skew'],
    ['two days ahead, no sent_at: replaced by received_at', received + 2 * DAY, null, received, 'future_replaced'],
    ['12 h ahead, no sent_at: kept (within a day)', received + DAY / 2, null, received + DAY / 2, 'none'],
  ] as const)('%s', (_label, ts, sentAt, expected, correction) => {
    expect(correctTime(ts, sentAt, received, DAY)).toEqual({ timestamp: expected, correction })
  })
})

describe('resolveClientAddress', () => {
  const trusted = new Set(['10.0.0.1', '10.0.0.2'])
  it.each([
    ['direct peer', '203.0.113.9', undefined, '203.0.113.9'],
    ['IPv4-mapped peer', '::ffff:203.0.113.9', undefined, '203.0.113.9'],
    ['XFF from an untrusted peer is ignored', '203.0.113.9', '1.2.3.4', '203.0.113.9'],
    ['XFF from a trusted proxy is used', '10.0.0.1', '1.2.3.4', '1.2.3.4'],
    ['rightmost untrusted hop wins (spoofed left entries ignored)', '10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.2', '1.2.3.4'],
    ['malformed XFF falls back to the peer', '10.0.0.1', 'garbage', '10.0.0.1'],
    ['no peer', undefined, undefined, ''],
  ])('%s', (_label, peer, xff, expected) => {
    expect(resolveClientAddress(peer, xff, trusted)).toBe(expected)
  })
})

describe('continueOrStartTrace', () => {
  it('continues a valid traceparent with the gateway span as parent', () => {
    const t = continueOrStartTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
    expect(t.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(t.parentSpanId).toBe('00f067aa0ba902b7')
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(t.spanId).not.toBe('00f067aa0ba902b7')
    expect(t.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${t.spanId}-01`)
  })
  it.each([
    ['missing', undefined],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['truncated', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa'],
  ])('starts a new trace when the header is %s', (_label, header) => {
    const t = continueOrStartTrace(header)
    expect(t.parentSpanId).toBeNull()
    expect(t.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(t.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736')
  })
})

/** The enrich step with the generic event's type (schemas/eventType.ts) and a /v1/batch request's facts. */
function enrichEvents(outcomes: ReturnType<typeof valid>[], facts: Omit<RequestFacts, 'geo' | 'anonymizeIp'> & { ipAnonymization?: IpAnonymization }, geo: RequestFacts['geo']) {
  const mode = facts.ipAnonymization ?? 'off'
  return enrichItems(outcomes, typeForCategory('web'), { ...facts, geo, anonymizeIp: (ip) => anonymizeIp(ip, mode) }).map((o) => (o.ok ? { ...o, event: o.item as Record<string, unknown> } : o))
}
const valid = (event: Record<string, unknown>) => ({ index: 0, id: String(event.id), ok: true as const, item: { id: 'e', name: 'n', timestamp: received, ...event } })
const baseFacts = { requestId: 'r1', receivedAt: received, appId: 'a', category: 'web', clientIp: '81.2.69.142', meta: { app_id: 'a', category: 'web' }, maxFutureMs: DAY }

describe('enrich of the generic event', () => {
  const geo = createGeoLookup()
  const facts = { ...baseFacts, ipAnonymization: 'off' as const }

  it('fills server id, times and geo from the event ip', () => {
    const [o] = enrichEvents([valid({ id: 'e', ip: '8.8.8.8' })], facts, geo)
    expect(o?.ok).toBe(true)
    if (!o?.ok) return
    expect(o.event.backend_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(o.event.received_at).toBe(received)
    expect(o.event.country).toBe('US')
    expect(o.event.request_id).toBe('r1')
  })
  it('falls back to the client address, with geo', () => {
    const [o] = enrichEvents([valid({ id: 'e' })], facts, geo)
    expect(o?.ok && o.event.ip).toBe('81.2.69.142')
    expect(o?.ok && o.event.country).toBe('GB')
  })
  it('accepts a valid IP without a location, geo empty', () => {
    const [o] = enrichEvents([valid({ id: 'e', ip: '10.1.2.3' })], facts, geo)
    expect(o).toMatchObject({ ok: true, event: { ip: '10.1.2.3', country: '', region: '', city: '' } })
  })
  it('rejects an invalid IP string with its own code', () => {
    const [o] = enrichEvents([valid({ id: 'e', ip: '999.1.1.1' })], facts, geo)
    expect(o).toMatchObject({ ok: false, reason: 'INVALID_IP' })
  })
  it('time-orders backend ids', () => {
    const outs = enrichEvents([valid({ id: 'a' }), valid({ id: 'b' })], { ...facts, receivedAt: received }, geo)
    const later = enrichEvents([valid({ id: 'c' })], { ...facts, receivedAt: received + 1 }, geo)
    const ids = [...outs, ...later].map((o) => (o.ok ? String(o.event.backend_id) : ''))
    expect(ids[2]! > ids[0]!).toBe(true)
  })
})

describe('IP anonymisation (IP_ANONYMIZATION)', () => {
  it.each([
    ['off keeps IPv4', '81.2.69.142', 'off', '81.2.69.142'],
    ['truncate IPv4 to /24', '81.2.69.142', 'truncate', '81.2.69.0'],
    ['truncate IPv6 to /48', '2001:db8:85a3:8d3:1319:8a2e:370:7348', 'truncate', '2001:db8:85a3::'],
    ['truncate compressed IPv6', '2a00:1450::1', 'truncate', '2a00:1450:0::'],
    ['truncate IPv6 with an IPv4 tail', '::ffff:c000:280', 'truncate', '0:0:0::'],
    ['drop IPv4', '81.2.69.142', 'drop', ''],
    ['drop IPv6', '2001:db8::1', 'drop', ''],
    ['empty stays empty', '', 'truncate', ''],
  ] as const)('%s', (_label, ip, mode, expected) => {
    expect(anonymizeIp(ip, mode)).toBe(expected)
  })

  const geo = createGeoLookup()
  const facts = baseFacts
  const event = valid({ id: 'e' })
  it.each([
    ['truncate', '81.2.69.0'],
    ['drop', ''],
  ] as const)('%s: geo comes from the full address, the event keeps only what the mode allows', (mode, ip) => {
    const [o] = enrichEvents([event], { ...facts, ipAnonymization: mode }, geo)
    expect(o).toMatchObject({ ok: true, event: { ip, country: 'GB' } })
    // the full-address lookup found a city; a lookup of the truncated address would not be the same record
    expect(o?.ok && o.event.city).toBe(geo('81.2.69.142').city)
  })
})
