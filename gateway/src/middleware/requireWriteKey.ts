// Ingest routes need a write key: `Authorization: Bearer <key>`, or `?write_key=<key>` for
// navigator.sendBeacon, which cannot set headers (the query form shows up in proxy access logs: prefer the
// header). A verified key's scope (key id, app) goes to the context; the route checks the app against
// meta.app_id once the envelope is read (403 there). Missing or unknown key → 401 here.
import type { MiddlewareHandler } from 'hono'
import type { WriteKeyVerifier } from '../auth/writeKeys.ts'
import type { GatewayEnv } from '../gatewayEnv.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { refuse } from '../refusals.ts'

export function presentedWriteKey(authorization: string | undefined, queryKey: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
    return m ? m[1] : ''
  }
  return queryKey
}

export function requireWriteKey(opts: { required: boolean; verify: WriteKeyVerifier; metrics: GatewayMetrics }): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const presented = presentedWriteKey(c.req.header('authorization'), c.req.query('write_key'))
    if (!opts.required && !presented) return next()
    if (!presented) {
      opts.metrics.authFailures.inc({ reason: 'missing' })
      return refuse(c, { status: 401, message: 'a write key is required: send "Authorization: Bearer <key>" (or ?write_key=<key> for sendBeacon)', retryable: false, wwwAuthenticate: 'Bearer realm="telemetry"' })
    }
    const scope = opts.verify(presented)
    if (!scope) {
      opts.metrics.authFailures.inc({ reason: 'unknown' })
      return refuse(c, { status: 401, message: 'the write key is unknown or revoked', retryable: false, wwwAuthenticate: 'Bearer realm="telemetry", error="invalid_token"' })
    }
    c.set('writeScope', scope)
    return next()
  }
}
