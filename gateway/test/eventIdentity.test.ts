import { describe, expect, it } from 'vitest'
import { createGeoLookup } from '../src/geo.ts'
import { eventIdentity, SKEW_TOLERANCE_MS, uuidv5 } from '../../schemas/eventIdentity.ts'
import { eventType } from '../../schemas/eventType.ts'

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const clientUuid = '01a22918-13bd-7cd9-9cf5-5bece8610878'
const t = Date.UTC(2026, 10, 29, 20, 59, 59, 900) // 100 ms before an hour boundary

describe('eventIdentity: the end-to-end key', () => {
  it('uuidv5 matches the RFC 9562 example (DNS namespace, "www.example.com")', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex')
    expect(uuidv5(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2')
  })

  it('a UUID client id gives the same v5 server id on every attempt, different per app', () => {
    const a = eventIdentity('shop', clientUuid, t, { timestamp: t + 40, correction: 'clock_skew' }, t + 40)
    const b = eventIdentity('shop', clientUuid, t, { timestamp: t + 900, correction: 'clock_skew' }, t + 3_600_000)
    expect(a.backend_id).toMatch(V5)
    expect(b.backend_id).toBe(a.backend_id)
    expect(eventIdentity('other-app', clientUuid, t, { timestamp: t, correction: 'none' }, t).backend_id).not.toBe(a.backend_id)
  })

  it('keeps the client time when sent_at and receipt differ by latency only: a resend lands in the same hour', () => {
    // first attempt 40 ms of latency, the resend 900 ms: corrected times would straddle 21:00
    const a = eventIdentity('shop', clientUuid, t, { timestamp: t + 40, correction: 'clock_skew' }, 0)
    const b = eventIdentity('shop', clientUuid, t, { timestamp: t + 900, correction: 'clock_skew' }, 0)
    expect(a).toEqual(b)
    expect(a).toMatchObject({ timestamp: t, time_correction: 'none' })
  })

  it('still corrects a wrong clock (offset at least SKEW_TOLERANCE_MS) and replaces a future time', () => {
    const skewed = eventIdentity('shop', clientUuid, t, { timestamp: t + SKEW_TOLERANCE_MS, correction: 'clock_skew' }, 0)
    expect(skewed).toMatchObject({ timestamp: t + SKEW_TOLERANCE_MS, time_correction: 'clock_skew' })
    expect(eventIdentity('shop', clientUuid, t, { timestamp: 5, correction: 'future_replaced' }, 5)).toMatchObject({ timestamp: 5, time_correction: 'future_replaced' })
  })

  it('other ids keep a fresh UUID v7 per request and the corrected time as before', () => {
    const a = eventIdentity('shop', 'evt-1', t, { timestamp: t + 40, correction: 'clock_skew' }, t)
    const b = eventIdentity('shop', 'evt-1', t, { timestamp: t + 40, correction: 'clock_skew' }, t)
    expect(a.backend_id).toMatch(V7)
    expect(b.backend_id).not.toBe(a.backend_id)
    expect(a).toMatchObject({ timestamp: t + 40, time_correction: 'clock_skew' })
  })

  it('the event type\'s enrich: two attempts of one UUID event (other request, receipt time and sent_at) give the same sorting key', () => {
    const geo = createGeoLookup()
    const event = { id: clientUuid, name: 'n', timestamp: t }
    const attempt = (receivedAt: number, sentAt: number, requestId: string) => {
      const meta = { app_id: 'a', category: 'web', sent_at: sentAt }
      const o = eventType.enrich(event, { requestId, receivedAt, appId: 'a', category: 'web', clientIp: '10.0.0.1', meta, maxFutureMs: 86_400_000, geo, anonymizeIp: (ip) => ip })
      if (!o.ok) throw new Error('refused')
      return o.value
    }
    const first = attempt(t + 50, t + 10, 'r1')
    const resend = attempt(t + 30_000, t + 29_200, 'r2')
    expect([resend.app_id, resend.category, resend.timestamp, resend.backend_id]).toEqual([first.app_id, first.category, first.timestamp, first.backend_id])
    expect(resend.received_at).not.toBe(first.received_at)
  })
})
