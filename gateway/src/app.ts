// The gateway's HTTP surface. Routes are listed here; each route's steps live in routes/ and steps/.
import { Hono } from 'hono'
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import { cors } from 'hono/cors'
import type { AuthConfig, GatewayConfig, Limits } from '../../common/config.ts'
import { uuidv7 } from '../../common/ids.ts'
import type { Logger } from '../../common/logger.ts'
import { anonymizeIp } from './anonymizeIp.ts'
import type { WriteKeyVerifier } from './auth/writeKeys.ts'
import { resolveClientAddress } from './clientAddress.ts'
import type { EventProducer } from './eventProducer.ts'
import type { GeoLookup } from './geo.ts'
import type { GatewayMetrics } from './metrics.ts'
import { rateLimitPerKey } from './middleware/rateLimitPerKey.ts'
import { refuseCorsPreflight } from './middleware/refuseCorsPreflight.ts'
import { requireWriteKey } from './middleware/requireWriteKey.ts'
import { batchRoute } from './routes/batch.ts'
import { otlpRoute } from './routes/otlp.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import type { GatewayEnv } from './gatewayEnv.ts'
import { refuse } from './refusals.ts'
import { continueOrStartTrace, withSampledFlag } from './traceparent.ts'
import { noSelfTracer, sampleRequest, type SelfTracer } from '../../common/selfTrace.ts'

/** Routes that take events: each gets CORS, the write key check and the per-key rate limit, in that order. */
export const INGEST_PATHS = ['/v1/batch', '/v1/traces', '/v1/metrics', '/v1/logs']

export type GatewayDeps = {
  config: GatewayConfig
  limits: Limits
  auth: AuthConfig
  /** Checks a presented write key (the key file's store, reloaded on change). */
  verifyWriteKey: WriteKeyVerifier
  producer: EventProducer
  geo: GeoLookup
  metrics: GatewayMetrics
  log: Logger
  /** Records the gateway's own spans (absent: none). */
  selfTracer?: SelfTracer
  /** Set during shutdown: readiness fails and connections are closed after their response. */
  isDraining?: () => boolean
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function createApp(deps: GatewayDeps) {
  const { config, metrics, log, producer } = deps
  const selfTracer = deps.selfTracer ?? noSelfTracer
  const trusted = new Set(config.trustedProxies)
  const app = new Hono<GatewayEnv>()

  // Request id, client address and trace context for every request; then metrics and one log line.
  app.use(async (c, next) => {
    const started = performance.now()
    const given = c.req.header('x-request-id')
    const requestId = given && REQUEST_ID.test(given) ? given : uuidv7()
    c.set('requestId', requestId)
    c.set('clientIp', resolveClientAddress(peerAddress(c), c.req.header('x-forwarded-for'), trusted))
    const trace = continueOrStartTrace(c.req.header('traceparent'))
    if (selfTracer.enabled) {
      // the decision travels downstream as the traceparent's sampled flag; the consumer follows it
      const sampled = sampleRequest(trace.traceId, trace.parentSpanId === null ? null : trace.flags, selfTracer.sampleRatio)
      c.set('trace', withSampledFlag(trace, sampled))
      c.set('selfTraced', sampled)
    } else {
      c.set('trace', trace)
      c.set('selfTraced', false)
    }
    // set before the route answers, so c.json() builds the response with it: c.header() on a finished
    // response rebuilds it around a stream of its body (a third of the gateway's HTTP cost per upload)
    c.header('X-Request-ID', requestId)
    try {
      await next()
    } finally {
      // responses built by hand carry it already (refusals.ts); anything else gets it the slow way
      if (!c.res.headers.has('X-Request-ID')) c.header('X-Request-ID', requestId)
      if (deps.isDraining?.()) c.header('Connection', 'close')
      const route = c.req.routePath || 'unmatched'
      const seconds = (performance.now() - started) / 1000
      metrics.httpRequests.inc({ route, method: c.req.method, status: String(c.res.status) })
      metrics.httpDuration.observe({ route }, seconds)
      if (route !== '/metrics' && route !== '/healthz' && route !== '/readyz') {
        log.info('request', {
          request_id: requestId,
          method: c.req.method,
          route,
          status: c.res.status,
          duration_ms: Math.round(seconds * 10_000) / 10,
          client_ip: anonymizeIp(c.get('clientIp'), config.ipAnonymization),
          ...(c.get('writeScope') ? { key_id: c.get('writeScope')!.keyId } : {}),
          ...c.get('summary'),
        })
      }
    }
  })

  // Preflights are answered by cors() before the key check (a browser sends them without credentials).
  // Without CORS_ALLOWED_ORIGINS no CORS headers are sent: browsers on other origins cannot read answers.
  const corsForIngest = config.corsAllowedOrigins.length === 0
    ? null
    : cors({
        origin: config.corsAllowedOrigins.includes('*') ? '*' : config.corsAllowedOrigins,
        allowMethods: ['POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'traceparent', 'X-Request-ID'],
        exposeHeaders: ['X-Request-ID', 'Retry-After'],
        maxAge: 600,
      })
  const writeKey = requireWriteKey({ required: deps.auth.required, verify: deps.verifyWriteKey, metrics })
  const rateLimit = rateLimitPerKey({ ...deps.auth.rateLimit, metrics })
  const refusePreflight = refuseCorsPreflight(config.corsAllowedOrigins)
  for (const path of INGEST_PATHS) {
    app.use(path, refusePreflight)
    if (corsForIngest) app.use(path, corsForIngest)
    app.use(path, writeKey, rateLimit)
  }

  app.post('/v1/batch', batchRoute(deps))
  // OTLP/HTTP: the OpenTelemetry SDKs' exporters post here (protobuf or JSON)
  app.post('/v1/traces', otlpRoute('traces', typeForCategory('spans'), deps))
  app.post('/v1/metrics', otlpRoute('metrics', typeForCategory('metrics'), deps))
  app.post('/v1/logs', otlpRoute('logs', typeForCategory('logs'), deps))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    if (deps.isDraining?.()) return c.json({ status: 'draining', kafka: 'unknown' }, 503)
    const ready = await producer.isReady()
    return ready ? c.json({ status: 'ready', kafka: 'connected' }) : c.json({ status: 'not ready', kafka: 'unreachable' }, 503)
  })
  app.get('/metrics', async (c) => {
    try {
      return c.text(await metrics.scrape(), 200, { 'Content-Type': metrics.registry.contentType })
    } catch (err) {
      // a worker could not gather the other workers' metrics: say so rather than answer one worker's share
      return c.text(`# metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`, 503)
    }
  })

  app.notFound((c) => refuse(c, { status: 404, message: `no route for ${c.req.method} ${c.req.path}`, retryable: false }))
  // An error no step turned into an outcome is a bug: sending the same request again would meet it again.
  app.onError((err, c) => {
    const route = c.req.routePath || 'unmatched'
    metrics.unexpectedErrors.inc({ route })
    log.error('unexpected error', { request_id: c.get('requestId'), route, error: err.message, stack: err.stack })
    return refuse(c, { status: 500, message: `internal error (a bug in the gateway, not in the request's content); request id ${c.get('requestId')} identifies it in the gateway logs`, retryable: false })
  })
  return app
}

function peerAddress(c: Context<GatewayEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined // not served by @hono/node-server (unit tests call app.request directly)
  }
}
