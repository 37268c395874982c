// The Hono context variables of one gateway request: set by app.ts's first middleware (request id, client
// address, trace context) and by requireWriteKey (the key's scope); read by the routes and middleware.
// Its own module, so routes and middleware do not import the app that mounts them.
import type { IncomingMessage } from 'node:http'
import type { WriteScope } from './auth/writeKeys.ts'
import type { TraceContext } from './traceparent.ts'

export type GatewayEnv = {
  /** @hono/node-server's bindings: the Node request (absent in unit tests calling app.request) */
  Bindings: { incoming?: IncomingMessage }
  Variables: {
    requestId: string
    clientIp: string
    trace: TraceContext
    /** whether the gateway records its own spans for this request (SELF_TRACE_SAMPLE_RATIO) */
    selfTraced: boolean
    /** fields added to the request's one log line */
    summary: Record<string, unknown>
    /** Set by requireWriteKey: the verified key and the app it may write (absent when auth is off and no key came). */
    writeScope?: WriteScope
  }
}
