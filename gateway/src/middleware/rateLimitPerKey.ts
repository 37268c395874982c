// Per-key rate limit: a token bucket of requests per write key (RATE_LIMIT_REQUESTS_PER_SECOND refill,
// RATE_LIMIT_BURST capacity; a key may override both). Counted in requests, not events, so a refused request
// costs nothing (it is answered before its body is read); events per second are bounded by
// rate × LIMIT_EVENTS_PER_BATCH. Buckets live in this process's memory: N gateways allow N times the rate.
// Without a verified key (AUTH_REQUIRED=false) there is no limit here.
import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../gatewayEnv.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { refuse } from '../refusals.ts'

export type TokenBucket = { tokens: number; updatedMs: number; rate: number; burst: number }

/** Takes one token if there is one; else says how long until there is (ms). */
export function takeToken(bucket: TokenBucket, nowMs: number): { ok: true } | { ok: false; waitMs: number } {
  const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000
  bucket.tokens = Math.min(bucket.burst, bucket.tokens + elapsed * bucket.rate)
  bucket.updatedMs = nowMs
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1
    return { ok: true }
  }
  return { ok: false, waitMs: ((1 - bucket.tokens) / bucket.rate) * 1000 }
}

export function rateLimitPerKey(opts: { requestsPerSecond: number; burst: number; metrics: GatewayMetrics; now?: () => number }): MiddlewareHandler<GatewayEnv> {
  const now = opts.now ?? Date.now
  const buckets = new Map<string, TokenBucket>()
  return async (c, next) => {
    const scope = c.get('writeScope')
    if (!scope) return next()
    const rate = scope.ratePerSecond ?? opts.requestsPerSecond
    const burst = scope.burst ?? opts.burst
    if (rate === 0) return next() // 0 = no limit
    let bucket = buckets.get(scope.keyId)
    // Keys are few (the key file's), so this map stays small; a changed rate in the file takes effect here.
    if (!bucket || bucket.rate !== rate || bucket.burst !== burst) {
      bucket = { tokens: burst, updatedMs: now(), rate, burst }
      buckets.set(scope.keyId, bucket)
    }
    const taken = takeToken(bucket, now())
    if (taken.ok) return next()
    opts.metrics.rateLimited.inc({ key_id: scope.keyId })
    const retryAfter = Math.max(1, Math.ceil(taken.waitMs / 1000))
    return refuse(c, { status: 429, message: `rate limit of ${rate} requests/s (burst ${burst}) for write key ${scope.keyId} exceeded; retry after ${retryAfter} s`, retryable: true, retryAfterSeconds: retryAfter })
  }
}
