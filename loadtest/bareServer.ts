// The HTTP + JSON ceiling: a bare Hono handler on @hono/node-server that reads the same bodies (gunzip when
// sent compressed), parses the JSON and replies with one small JSON object. No validation, no Kafka.
// Same worker model as the gateway (node:cluster, BARE_WORKERS processes sharing the port).
import cluster from 'node:cluster'
import { gunzipSync } from 'node:zlib'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const workers = Number(process.env.BARE_WORKERS ?? 1)
const port = Number(process.env.PORT ?? 0)

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork()
  let ready = 0
  cluster.on('message', (_w, msg) => {
    if (msg === 'listening' && ++ready === workers) console.log(JSON.stringify({ msg: 'listening', port }))
  })
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM')
    process.exit(0)
  })
} else {
  const app = new Hono()
  app.post('/v1/batch', async (c) => {
    let buf = Buffer.from(await c.req.arrayBuffer())
    if (c.req.header('content-encoding') === 'gzip') buf = gunzipSync(buf)
    const body = JSON.parse(buf.toString('utf8')) as { data: unknown[] }
    return c.json({ code: 0, message: 'parsed', events: body.data.length })
  })
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
    if (cluster.isWorker) process.send?.('listening')
    else console.log(JSON.stringify({ msg: 'listening', port: info.port }))
  })
  process.on('SIGTERM', () => process.exit(0))
}
