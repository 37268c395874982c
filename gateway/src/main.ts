// Gateway process: read configuration once, wire the parts, serve, and shut down cleanly on SIGTERM.
import { serve } from '@hono/node-server'
import { loadConfig } from '../../common/config.ts'
import { createLogger, errorMessage } from '../../common/logger.ts'
import { createApp } from './app.ts'
import { createKafkaEventProducer } from './eventProducer.ts'
import { createGeoLookup } from './geo.ts'
import { createGatewayMetrics } from './metrics.ts'

const config = (() => {
  try {
    return loadConfig()
  } catch (err) {
    console.error(errorMessage(err))
    process.exit(2)
  }
})()
const log = createLogger('gateway', config.log.level)
const producer = createKafkaEventProducer(config.kafka, log, config.gateway.produceTimeoutMs)
let draining = false

const app = createApp({
  config: config.gateway,
  limits: config.limits,
  producer,
  geo: createGeoLookup(),
  metrics: createGatewayMetrics(),
  log,
  isDraining: () => draining,
})

const server = serve({ fetch: app.fetch, hostname: config.gateway.host, port: config.gateway.port }, (info) => {
  log.info('listening', { address: info.address, port: info.port, kafka: config.kafka.brokers.join(','), topic_template: config.gateway.topicTemplate })
})
// Slow clients cannot hold a request open forever (slow-loris bodies).
const httpServer = server as import('node:http').Server
httpServer.requestTimeout = config.gateway.requestTimeoutMs
httpServer.headersTimeout = Math.min(config.gateway.requestTimeoutMs, 20_000)

// Connect eagerly so the first request does not pay for it; failures are retried per request.
producer.isReady().then((ok) => log.info('kafka producer', { ready: ok }))

async function shutdown(signal: string) {
  if (draining) return
  draining = true
  log.info('shutting down', { signal })
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
  httpServer.closeIdleConnections()
  const grace = new Promise<void>((resolve) => setTimeout(resolve, config.gateway.shutdownGraceMs).unref())
  await Promise.race([closed, grace])
  await producer.close()
  log.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
