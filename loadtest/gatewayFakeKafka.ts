// The gateway's app (app.ts) served as server.ts serves it, with a producer that acknowledges every send at
// once: what one upload costs the gateway itself, without the Kafka client (the "fake" variant of
// gatewayCost.ts, which starts this file in its own process). Not a way to run the gateway.
import { serve } from '@hono/node-server'
import { loadConfig } from '../common/config.ts'
import { createLogger } from '../common/logger.ts'
import { createApp } from '../gateway/src/app.ts'
import { openWriteKeyStore } from '../gateway/src/auth/writeKeys.ts'
import type { EventProducer } from '../gateway/src/eventProducer.ts'
import { createGeoLookup } from '../gateway/src/geo.ts'
import { createGatewayMetrics } from '../gateway/src/metrics.ts'

const config = loadConfig()
const log = createLogger('gateway', config.log.level)
const writeKeys = openWriteKeyStore({ file: config.auth.keysFile, devKey: config.auth.devKey })
const acknowledgeAtOnce: EventProducer = { send: async () => {}, isReady: async () => true, close: async () => {} }
const app = createApp({ config: config.gateway, limits: config.limits, auth: config.auth, verifyWriteKey: writeKeys.verify, producer: acknowledgeAtOnce, geo: createGeoLookup(), metrics: createGatewayMetrics(), log })
const server = serve({ fetch: app.fetch, hostname: config.gateway.host, port: config.gateway.port })
process.on('SIGTERM', () => {
  writeKeys.close()
  server.close()
  process.exit(0) // --cpu-prof writes its profile on exit
})
