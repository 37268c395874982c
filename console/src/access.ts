// Who may look: bound to loopback the console is open to local users; bound anywhere else it refuses to start
// without CONSOLE_TOKEN, and then every request must carry it (basic auth: any user name, the token as
// password, so a browser asks for it; or Authorization: Bearer <token>).
import { timingSafeEqual, createHash } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Throws when the console would be reachable from other machines without a token. */
export function checkAccessConfig(c: { host: string; token: string | undefined }): void {
  if (!isLoopback(c.host) && c.token === undefined) {
    throw new Error(`invalid configuration:\n  CONSOLE_TOKEN is required when CONSOLE_HOST (${c.host}) is not a loopback address`)
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

export function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null
  const [scheme, value] = authorization.split(' ', 2)
  if (scheme?.toLowerCase() === 'bearer' && value) return value
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 ? decoded.slice(colon + 1) : null
  }
  return null
}

export function requireToken(token: string): MiddlewareHandler {
  const expected = digest(token)
  return async (c, next) => {
    const given = presentedToken(c.req.header('authorization'))
    if (given === null || !timingSafeEqual(digest(given), expected)) {
      return c.text('the console needs its token (CONSOLE_TOKEN): any user name, the token as password', 401, { 'WWW-Authenticate': 'Basic realm="telemetry console", charset="UTF-8"' })
    }
    await next()
  }
}
