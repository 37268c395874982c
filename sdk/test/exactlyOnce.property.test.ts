// Property: whatever the gateway answers (partial, 503 with parts, 429/503 with Retry-After, 5xx, 413,
// final 4xx, network errors, timeouts, answers lost after the gateway took the batch), every tracked event
// ends exactly once (accepted, refused or dropped), nothing acknowledged to the client is sent again, an
// event's id and content never change between attempts, and Retry-After is waited.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createClient } from '../src/index.ts'
import { fakeGateway, VirtualClock, type Reply, type SentRequest } from './fakes.ts'

const replyArb: fc.Arbitrary<(n: number) => Reply> = fc.oneof(
  fc.constant(() => ({ status: 200, parts: 'all-ok' as const })),
  fc.array(fc.constantFrom(0, 0, 1001, 1006, 2001), { minLength: 1, maxLength: 8 }).map((codes) => (n: number) => {
    const parts = Array.from({ length: n }, (_, i) => ({ code: codes[i % codes.length]!, retryable: codes[i % codes.length] === 2001 }))
    const accepted = parts.filter((p) => p.code === 0).length
    return { status: accepted === n ? 200 : accepted === 0 ? 400 : 206, parts }
  }),
  fc.integer({ min: 0, max: 5 }).map((s) => () => ({ status: 503, parts: 'all-kafka-down' as const, retryAfter: String(s) })),
  fc.integer({ min: 0, max: 5 }).map((s) => () => ({ status: 429, retryAfter: String(s) })),
  fc.constantFrom(500, 502, 504, 408).map((status) => () => ({ status })),
  fc.constantFrom(400, 401, 403, 415).map((status) => () => ({ status })),
  fc.constant(() => ({ status: 413 })),
  fc.constant(() => ({ network: true as const })),
  fc.constant(() => ({ lost: true as const })),
  fc.constant(() => ({ hang: true as const })),
)

describe('sdk client: exactly one outcome per event (property)', () => {
  it('holds for any sequence of answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(replyArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        async (replies, waves, maxBatchEvents, maxConcurrentRequests) => {
          const clock = new VirtualClock()
          const retryAfter: Array<{ req: SentRequest; ms: number }> = []
          const gw = fakeGateway(clock, (req, n) => {
            const reply = replies[n % replies.length]!(req.events.length)
            if ('status' in reply && reply.retryAfter) retryAfter.push({ req, ms: Number(reply.retryAfter) * 1000 })
            return reply
          })
          const firstSeen = new Map<string, string>()
          const outcomes = new Map<string, string[]>()
          const note = (id: string, what: string) => outcomes.set(id, [...(outcomes.get(id) ?? []), what])
          const client = createClient({
            endpoint: 'http://gw.test', writeKey: 'k', appId: 'a', category: 'c', fetch: gw.fetch, timers: clock, now: () => clock.now,
            maxBatchEvents, maxConcurrentRequests, maxAttempts: 6, backoffBaseMs: 50, requestTimeoutMs: 2000,
            onRefused: (e) => note(e.id, `refused ${e.code}`), onDropped: (e) => note(e.id, `dropped ${e.reason}`),
          })
          const tracked: string[] = []
          for (const [w, count] of waves.entries()) {
            for (let i = 0; i < count; i++) tracked.push(client.track(`w${w}`, { i }))
            await clock.run(client.flush())
          }
          // every request: no event the client had already seen acknowledged; ids and content unchanged
          const acknowledged = new Set<string>() // by answers that reached the client, code 0
          for (const req of gw.requests) {
            for (const e of req.events) {
              expect(acknowledged.has(e.id)).toBe(false)
              const json = JSON.stringify(e)
              expect(firstSeen.get(e.id) ?? json).toBe(json)
              firstSeen.set(e.id, json)
            }
            for (const id of req.acked) acknowledged.add(id)
          }
          // the gateway took every event the client counts accepted
          for (const id of acknowledged) expect(outcomes.has(id)).toBe(false)
          const stats = client.stats()
          expect(stats.queued).toBe(0)
          expect(stats.accepted + stats.refused + stats.dropped).toBe(tracked.length)
          expect(new Set(tracked).size).toBe(tracked.length)
          for (const id of outcomes.keys()) expect(outcomes.get(id)).toHaveLength(1)
          expect(outcomes.size).toBe(stats.refused + stats.dropped)
          // Retry-After is a minimum: no request started inside an announced wait (requests already in
          // flight when the answer came are fine)
          for (const { req, ms } of retryAfter) {
            const from = req.answeredAt!
            expect(gw.requests.filter((r) => r.at > from && r.at < from + ms)).toEqual([])
          }
          return true
        },
      ),
      { numRuns: 150 },
    )
  }, 60_000)
})
