// Wires the gateway's parts from the configuration and serves it; main.ts and the integration tests use it.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Config } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'
import { createApp } from './app.ts'
import { openWriteKeyStore } from './auth/writeKeys.ts'
import { createKafkaEventProducer } from './kafkajsEventProducer.ts'
import { createPlatformaticEventProducer } from './platformaticEventProducer.ts'
import { withTopicAdmin } from './topicAwareProducer.ts'
import { createTopicAdmin } from '../../common/kafkaTopics.ts'
import { createGeoLookup } from './geo.ts'
import { createGatewayMetrics } from './metrics.ts'
import { refusalResponse, type Refusal } from './refusals.ts'
import { createSelfTracer } from '../../common/selfTrace.ts'
import { createSelfMetrics } from '../../common/selfMetrics.ts'

export type RunningGateway = { port: number; url: string; stop: () => Promise<void>; reloadWriteKeys: () => boolean }

/** How often the key file is checked for changes (keys created or revoked by `npm run keys`). */
const KEY_FILE_POLL_MS = 1000

export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  // A broken key file stops the start (throws); on reload it keeps the keys already loaded.
  const writeKeys = openWriteKeyStore({
    file: config.auth.keysFile,
    devKey: config.auth.devKey,
    pollMs: KEY_FILE_POLL_MS,
    onReload: () => log.info('write keys reloaded', { file: config.auth.keysFile, active_keys: writeKeys.count() }),
    onError: (err) => log.error('write keys not reloaded; keeping the previous ones', { error: err.message }),
  })
  if (config.auth.required && writeKeys.count() === 0 && !config.auth.devKey) {
    log.warn('auth is required but there is no write key: every ingest request will be answered 401 (create one with npm run keys -- create <app_id>)', { file: config.auth.keysFile })
  }
  // KAFKA_PRODUCER_CLIENT picks the library behind the one EventProducer interface
  const createProducer = config.kafka.producerClient === 'platformatic' ? createPlatformaticEventProducer : createKafkaEventProducer
  // topics are created with KAFKA_PARTITIONS / _REPLICATION_FACTOR / _MIN_INSYNC_REPLICAS before their first write
  const topicAdmin = createTopicAdmin(config.kafka, log, config.gateway.produceTimeoutMs)
  const producer = withTopicAdmin(createProducer(config.kafka, log, config.gateway.produceTimeoutMs), topicAdmin, log, config.gateway.produceTimeoutMs)
  // the gateway's own spans go straight to the spans topic through its producer (acks=-1), never over HTTP
  const selfTracer = createSelfTracer({ config: config.selfTrace, service: 'telemetry-gateway', send: (topic, messages) => producer.send(topic, messages), onError: log.warn })
  let draining = false
  const metrics = createGatewayMetrics()
  // and its own metrics go to the metrics topic the same way (SELF_METRICS_INTERVAL_MS)
  const selfMetrics = createSelfMetrics({ config: config.selfMetrics, service: 'telemetry-gateway', registry: metrics.registry, send: (topic, messages) => producer.send(topic, messages), onError: log.warn })
  const app = createApp({
    config: config.gateway,
    limits: config.limits,
    auth: config.auth,
    verifyWriteKey: writeKeys.verify,
    producer,
    geo: createGeoLookup(),
    metrics,
    log,
    selfTracer,
    isDraining: () => draining,
  })
  // Admission control: beyond GATEWAY_MAX_IN_FLIGHT uploads in this process, answer 503 with Retry-After at
  // once instead of queueing without bound (memory and latency stay bounded under overload). Only POST
  // (uploads) counts; health, readiness and metrics always get through.
  let inFlight = 0
  const overloaded: Refusal = { status: 503, message: 'the gateway is at capacity: nothing of this request was accepted; retry after the Retry-After delay', retryable: true, retryAfterSeconds: config.gateway.retryAfterSeconds }
  const fetch = async (req: Request, env: unknown) => {
    if (req.method !== 'POST') return app.fetch(req, env as never)
    if (inFlight >= config.gateway.maxInFlight) {
      metrics.httpRequests.inc({ route: 'overloaded', method: 'POST', status: '503' })
      return refusalResponse(req, overloaded)
    }
    inFlight++
    try {
      return await app.fetch(req, env as never)
    } finally {
      inFlight--
    }
  }
  const server = await new Promise<Server>((resolve) => {
    // Slow clients cannot hold a request open forever (slow-loris bodies): Node checks these deadlines every
    // connectionsCheckingInterval, so that interval is kept well below the timeout itself.
    const serverOptions = {
      requestTimeout: config.gateway.requestTimeoutMs,
      headersTimeout: Math.min(config.gateway.requestTimeoutMs, 20_000),
      connectionsCheckingInterval: Math.min(1_000, Math.floor(config.gateway.requestTimeoutMs / 2)),
    }
    const s = serve({ fetch, hostname: config.gateway.host, port: config.gateway.port, serverOptions }, () => resolve(s as Server)) as Server
  })
  const port = (server.address() as AddressInfo).port
  log.info('listening', { host: config.gateway.host, port, kafka: config.kafka.brokers.join(','), kafka_producer_client: config.kafka.producerClient, topic_template: config.gateway.topicTemplate, auth_required: config.auth.required, active_keys: writeKeys.count(), dev_key: config.auth.devKey !== undefined, ip_anonymization: config.gateway.ipAnonymization, self_trace_sample_ratio: config.selfTrace.sampleRatio, self_metrics_interval_ms: config.selfMetrics.intervalMs })

  // Connect eagerly so the first request does not pay for it; failures are retried per request.
  void producer.isReady().then((ok) => log.info('kafka producer', { ready: ok }))

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    reloadWriteKeys: writeKeys.reload,
    /** Stop accepting, let in-flight requests finish (up to the grace period), then flush the producer. */
    async stop() {
      if (draining) return
      draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.gateway.shutdownGraceMs).unref())
      await Promise.race([closed, grace])
      server.closeAllConnections()
      writeKeys.close()
      await selfTracer.close()
      await selfMetrics.close()
      await producer.close()
    },
  }
}
