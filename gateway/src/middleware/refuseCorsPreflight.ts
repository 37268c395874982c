// A browser's CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) from an origin that
// CORS_ALLOWED_ORIGINS does not allow (or with CORS off, the default). It would otherwise reach the write key
// check and get 401, which sends browser developers to their key. It is answered 200 without any CORS
// header: the browser then reports the missing Access-Control-Allow-Origin (the real cause), and the body,
// visible in the network panel, names the setting. Preflights carry no key: nothing is accepted here.
import type { MiddlewareHandler } from 'hono'
import { envelopeError } from '../steps/buildResponse.ts'

export function refuseCorsPreflight(allowedOrigins: string[]): MiddlewareHandler {
  const any = allowedOrigins.includes('*')
  const allowed = new Set(allowedOrigins)
  return async (c, next) => {
    const origin = c.req.header('origin')
    if (c.req.method !== 'OPTIONS' || !origin || !c.req.header('access-control-request-method') || any || allowed.has(origin)) return next()
    const why = allowedOrigins.length === 0 ? 'CORS is not enabled on this gateway' : 'this origin is not in its list'
    c.header('Vary', 'Origin')
    c.set('summary', { cors_refused_origin: origin.slice(0, 200) })
    return c.json(envelopeError(`CORS preflight from origin ${origin.slice(0, 200)} refused: ${why} (set CORS_ALLOWED_ORIGINS on the gateway to allow it)`), 200)
  }
}
