// GATEWAY_WORKERS=2: every scrape of /metrics answers the sum over both workers (prom-client's cluster
// aggregation in the primary), whichever worker the connection lands on, so counters never go backwards.
import { request } from 'node:http'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { INTEGRATION_DEV_KEY, integrationConfig, repoRoot, runId, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const port = 46_000 + Math.floor(Math.random() * 1000)
let child: ChildProcess | null = null
let output = ''

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
})

// a new connection per request (no keep-alive), so the cluster's round robin spreads them over the workers
function send(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'application/json', authorization: `Bearer ${INTEGRATION_DEV_KEY}` } : {} }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const allUploads = (text: string) => Number(/^gateway_uploads_total\{type="all_upload"\} (\d+)$/m.exec(text)?.[1] ?? 'NaN')

describe('GATEWAY_WORKERS=2', () => {
  it('/metrics answers the whole cluster on every scrape', async () => {
    const env = { ...process.env, GATEWAY_WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', DEV_WRITE_KEY: INTEGRATION_DEV_KEY, TOPIC_TEMPLATE: config.gateway.topicTemplate, WRITE_KEYS_FILE: config.auth.keysFile, LOG_LEVEL: 'warn' }
    child = spawn(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}gateway/src/main.ts`], { env, cwd: repoRoot })
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    // both workers listen (each answers readiness): a run of successful probes over new connections
    await waitFor('the gateway workers', async () => (await send('GET', '/readyz')).status === 200 && (await send('GET', '/readyz')).status === 200, 90_000, 300)

    const uploads = 10
    for (let i = 0; i < uploads; i++) {
      const body = JSON.stringify({ meta: { app_id: `metrics-${id}`, category: 'web' }, data: [{ id: `e${i}`, name: 'n', timestamp: Date.now() }] })
      expect((await send('POST', '/v1/batch', body)).status).toBe(200)
    }
    const seen: number[] = []
    for (let i = 0; i < 4; i++) {
      const scrape = await send('GET', '/metrics')
      expect(scrape.status).toBe(200)
      seen.push(allUploads(scrape.text))
    }
    expect(seen, `output:\n${output.slice(-2000)}`).toEqual([uploads, uploads, uploads, uploads])
  })
})
