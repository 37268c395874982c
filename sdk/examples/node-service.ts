// A long-running Node service: events from request handlers, runtime metrics every 15 s (they show up in
// `npm run query -- node_runtime`), everything sent before the process stops on SIGTERM.
//   TELEMETRY_WRITE_KEY=... node sdk/examples/node-service.ts
import { createServer } from 'node:http'
import { createClient } from '../src/node.ts'

const telemetry = createClient({
  endpoint: process.env.TELEMETRY_ENDPOINT ?? 'http://127.0.0.1:8080',
  writeKey: process.env.TELEMETRY_WRITE_KEY ?? '',
  appId: 'checkout-api',
  category: 'api',
  context: { host: process.env.HOSTNAME ?? 'local' },
  onDropped: (e) => console.warn(`telemetry dropped ${e.id}: ${e.reason}`),
})
telemetry.collectRuntimeMetrics({ intervalMs: 15_000, service: 'checkout-api' })
telemetry.installShutdownHooks({ timeoutMs: 5_000 }) // SIGTERM/SIGINT: shutdown() first, then exit by the signal

createServer((req, res) => {
  const started = performance.now()
  res.end('ok')
  telemetry.track('http_request', { method: req.method, path: req.url, ms: performance.now() - started })
}).listen(3000)
