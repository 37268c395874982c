// npm run bench:sdk — the SDK's own CPU per event: track() alone, and track() + batching + serializing +
// (optionally gzip) + answer handling, against an in-process fake gateway whose own work (reading the body,
// building parts) is timed and subtracted. Prints µs per event for each mode.
import { gunzipSync } from 'node:zlib'
import { createClient, type FetchLike } from '../sdk/src/index.ts'

const N = Number(process.env.SDK_BENCH_EVENTS ?? 50_000)

function fakeGateway() {
  const fake = { cpuMs: 0 }
  const fetch: FetchLike = async (_url, init) => {
    const t0 = performance.now()
    const raw = typeof init.body === 'string' ? init.body : gunzipSync(init.body).toString()
    const parts = (JSON.parse(raw) as { data: { id: string }[] }).data.map((e) => ({ id: e.id, backend_id: '', code: 0, message: 'accepted', retryable: false }))
    const body = { code: 0, message: 'all events accepted', retryable: false, parts }
    fake.cpuMs += performance.now() - t0
    return { status: 200, headers: { get: () => null }, json: async () => body }
  }
  return { fetch, fake }
}

async function run(mode: 'track only' | 'send, no gzip' | 'send, gzip') {
  const { fetch, fake } = fakeGateway()
  const client = createClient({ endpoint: 'http://bench', writeKey: 'k', appId: 'bench', category: 'web', fetch, maxQueueEvents: N + 1, maxQueueBytes: 1e9, flushAt: mode === 'track only' ? N + 1 : 500, flushBytes: mode === 'track only' ? 1e9 : 256 * 1024, flushIntervalMs: 600_000, compressMinBytes: mode === 'send, gzip' ? 1024 : false })
  const props = { path: '/products/42', referrer: 'https://example.com/', title: 'Shoes', width: 1280, logged_in: true }
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < N; i++) client.track('page_view', props)
  if (mode !== 'track only') await client.flush()
  const used = process.cpuUsage(cpu0)
  const sdkUs = used.user + used.system - fake.cpuMs * 1000
  if (mode !== 'track only' && client.stats().accepted !== N) throw new Error(`only ${client.stats().accepted} of ${N} accepted`)
  console.log(`sdk ${mode.padEnd(14)} ${(sdkUs / N).toFixed(2)} µs CPU per event (${N} events, ${client.stats().requests} requests, ${client.stats().bytesSent} bytes sent)`)
  await client.shutdown({ timeoutMs: 0 })
}

await run('track only') // also warms up the JIT for the runs below
await run('track only')
await run('send, no gzip')
await run('send, gzip')
