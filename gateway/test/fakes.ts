// Test doubles for the gateway's edges (unit tests only; integration tests use the real Kafka).
import type { Limits } from '../../common/config.ts'
import { loadConfig } from '../../common/config.ts'
import { createLogger } from '../../common/logger.ts'
import { createApp } from '../src/app.ts'
import type { EventProducer, OutgoingMessage } from '../src/eventProducer.ts'
import { createGeoLookup } from '../src/geo.ts'
import { createGatewayMetrics } from '../src/metrics.ts'

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
  async close() {}
}

export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ PRODUCE_TIMEOUT_MS: '200', ...env })
}

export function testApp(opts: { producer?: RecordingProducer; env?: Record<string, string>; limits?: Partial<Limits> } = {}) {
  const config = testConfig(opts.env)
  const producer = opts.producer ?? new RecordingProducer()
  const lines: string[] = []
  const app = createApp({
    config: config.gateway,
    limits: { ...config.limits, ...opts.limits },
    producer,
    geo: createGeoLookup(),
    metrics: createGatewayMetrics(),
    log: createLogger('gateway', 'info', (l) => lines.push(l)),
  })
  return { app, producer, config, logLines: lines }
}

export function postBatch(app: ReturnType<typeof testApp>['app'], body: unknown, headers: Record<string, string> = {}) {
  return app.request('/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  })
}
