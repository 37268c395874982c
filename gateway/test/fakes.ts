// Test doubles for the gateway's edges (unit tests only; integration tests use the real Kafka).
import type { Limits } from '../../common/config.ts'
import { loadConfig } from '../../common/config.ts'
import { createLogger } from '../../common/logger.ts'
import { createApp } from '../src/app.ts'
import { createVerifier, type WriteKeyRecord, type WriteKeyVerifier } from '../src/auth/writeKeys.ts'
import type { EventProducer, OutgoingMessage } from '../src/eventProducer.ts'
import { createGeoLookup } from '../src/geo.ts'
import { createGatewayMetrics } from '../src/metrics.ts'
import type { SelfTracer } from '../../common/selfTrace.ts'
import { NDJSON_CONTENT_TYPE } from '../../common/recordFormat.ts'

export class RecordingProducer implements EventProducer {
  sent: { topic: string; messages: OutgoingMessage[] }[] = []
  failWith: Error | null = null
  hang = false
  async send(topic: string, messages: OutgoingMessage[]) {
    if (this.hang) return new Promise<void>(() => {})
    if (this.failWith) throw this.failWith
    this.sent.push({ topic, messages })
  }
  async isReady() {
    return this.failWith === null && !this.hang
  }
  /** What was sent, one entry per item: an NDJSON record's lines are its items (consumers/src/recordItems.ts). */
  items(): Array<OutgoingMessage & { topic: string }> {
    return this.sent.flatMap(({ topic, messages }) =>
      messages.flatMap((m) => (m.headers['content-type'] === NDJSON_CONTENT_TYPE ? m.value.split('\n') : [m.value]).map((value) => ({ ...m, topic, value }))),
    )
  }
  async close() {}
}

/** The dev key every test app accepts (auth stays on, as by default); postBatch sends it unless told not to. */
export const TEST_DEV_KEY = 'test-dev-key-0123456789abcdef'

export function testConfig(env: Record<string, string> = {}) {
  // a key file path that does not exist: unit tests never read the developer's .local/keys.json
  return loadConfig({ PRODUCE_TIMEOUT_MS: '200', DEV_WRITE_KEY: TEST_DEV_KEY, WRITE_KEYS_FILE: '/nonexistent/keys.json', ...env })
}

export function testApp(opts: { producer?: RecordingProducer; env?: Record<string, string>; limits?: Partial<Limits>; keys?: WriteKeyRecord[]; verifyWriteKey?: WriteKeyVerifier; selfTracer?: SelfTracer } = {}) {
  const config = testConfig(opts.env)
  const producer = opts.producer ?? new RecordingProducer()
  const lines: string[] = []
  const metrics = createGatewayMetrics()
  const app = createApp({
    config: config.gateway,
    limits: { ...config.limits, ...opts.limits },
    auth: config.auth,
    verifyWriteKey: opts.verifyWriteKey ?? createVerifier(opts.keys ?? [], config.auth.devKey),
    producer,
    geo: createGeoLookup(),
    metrics,
    log: createLogger('gateway', 'info', (l) => lines.push(l)),
    ...(opts.selfTracer ? { selfTracer: opts.selfTracer } : {}),
  })
  return { app, producer, config, metrics, logLines: lines }
}

/** POST /v1/batch (or `path`) with the test dev key, unless withDevKey is false; `headers` may override it. */
export function postBatch(app: ReturnType<typeof testApp>['app'], body: unknown, headers: Record<string, string> = {}, opts: { withDevKey?: boolean; path?: string } = {}) {
  const auth: Record<string, string> = opts.withDevKey === false ? {} : { authorization: `Bearer ${TEST_DEV_KEY}` }
  return app.request(opts.path ?? '/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  })
}
