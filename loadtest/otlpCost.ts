// The cost of one span on the OTLP/HTTP path: protobuf ExportTraceServiceRequest bodies of 100 spans
// (4 resources, 5–11 attributes a span), POST /v1/traces, acks=all, lz4 (the issue-12 scenario).
//   http:   starts the gateway (GATEWAY_WORKERS=1) against the running Kafka, drives it with autocannon
//           for a fixed time and reads the gateway's CPU (primary + worker) from /proc: CPU µs per
//           acknowledged span, spans/s, p99, peak RSS.
//   inproc: the gateway's Hono app in this process with a producer that drops the messages: the cost of
//           decode → map → validate → enrich → serialize without the Kafka client (process.cpuUsage).
// Rounds alternate A/B when --compare=<checkout> is given (another checkout of the repository, e.g. a
// `git worktree` of the commit before a change): both gateways measured in the same sitting.
//   npm run bench:otlp -- [--mode=http|inproc|both] [--rounds=3] [--duration=10] [--connections=32]
//                         [--compare=/path/to/other/checkout] [--profile]
// --profile writes node --cpu-prof profiles (http: the gateway's processes; inproc: this one) to
// loadtest/results/profiles-otlp/ and prints their summary (loadtest/profileSummary.ts).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Kafka, logLevel } from 'kafkajs'
import protobuf from 'protobufjs'
import { watchProcesses } from './procStats.ts'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    compare: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
})
const here = new URL('..', import.meta.url).pathname
const ROUNDS = Number(args.rounds)
const DURATION = Number(args.duration)
const CONNECTIONS = Number(args.connections)
const SPANS_PER_REQUEST = 100
const RESOURCES = 4
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const runTag = `otlpcost${Date.now().toString(36)}`
const profileDir = `${here}loadtest/results/profiles-otlp`
const say = (msg: string) => process.stderr.write(`[otlp-cost ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!

// ---- bodies -------------------------------------------------------------------------------------------
const root = protobuf.parse(readFileSync(`${here}schemas/otlp/otlp.proto`, 'utf8'), { keepCase: false }).root
const requestType = root.lookupType('otlp.ExportTraceServiceRequest')

const kv = (key: string, value: Record<string, unknown>) => ({ key, value })
const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!
const routes = ['/api/orders', '/api/users/:id', '/checkout', '/api/cart', '/health', '/api/search']
const methods = ['GET', 'POST', 'PUT', 'DELETE']

/** One span's attributes: 5–11 of the usual HTTP / DB / RPC semantic-convention keys, mixed types. */
function spanAttributes(n: number, seed: number) {
  const all = [
    kv('http.request.method', { stringValue: pick(methods, seed) }),
    kv('url.path', { stringValue: pick(routes, seed >> 1) }),
    kv('http.response.status_code', { intValue: pick([200, 201, 204, 404, 500], seed) }),
    kv('server.address', { stringValue: 'api.internal.example.com' }),
    kv('server.port', { intValue: 8443 }),
    kv('network.protocol.version', { stringValue: '1.1' }),
    kv('user_agent.original', { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' }),
    kv('db.system', { stringValue: 'postgresql' }),
    kv('db.statement', { stringValue: 'SELECT id, name, price FROM products WHERE category_id = $1 ORDER BY price LIMIT 50' }),
    kv('retry', { boolValue: seed % 7 === 0 }),
    kv('queue.depth', { doubleValue: (seed % 100) / 3 }),
  ]
  return all.slice(0, n)
}

/** ExportTraceServiceRequest: 4 resources × 25 spans (5 traces of 5 spans each), unique ids per body. */
function traceRequestBody(bodyIndex: number): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n
  const resourceSpans = Array.from({ length: RESOURCES }, (_, r) => {
    const spans = Array.from({ length: SPANS_PER_REQUEST / RESOURCES }, (_, s) => {
      const seed = bodyIndex * 131 + r * 31 + s
      const traceId = randomBytes(16)
      traceId[0] = (s / 5) | 0 // spans of the same trace share the id below
      const start = now - BigInt(seed % 1000) * 1_000_000n
      return { s, traceId, seed, start }
    })
    const traceIds = new Map<number, Buffer>()
    return {
      resource: { attributes: [kv('service.name', { stringValue: `service-${r}` }), kv('service.version', { stringValue: '1.4.2' }), kv('host.name', { stringValue: `host-${r}.example` }), kv('telemetry.sdk.language', { stringValue: 'nodejs' })] },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
          spans: spans.map(({ s, traceId, seed, start }) => {
            const trace = traceIds.get((s / 5) | 0) ?? traceIds.set((s / 5) | 0, traceId).get((s / 5) | 0)!
            return {
              traceId: trace,
              spanId: randomBytes(8),
              ...(s % 5 === 0 ? {} : { parentSpanId: randomBytes(8) }),
              name: `${pick(methods, seed)} ${pick(routes, seed >> 1)}`,
              kind: s % 5 === 0 ? 2 : 3,
              startTimeUnixNano: start.toString(),
              endTimeUnixNano: (start + BigInt(1 + (seed % 50)) * 1_000_000n).toString(),
              attributes: spanAttributes(5 + (seed % 7), seed),
              status: seed % 11 === 0 ? { code: 2, message: 'upstream timed out' } : {},
            }
          }),
        },
      ],
    }
  })
  return requestType.encode(requestType.fromObject({ resourceSpans })).finish()
}

const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(traceRequestBody(i)))
say(`bodies: ${bodies.length} × ${SPANS_PER_REQUEST} spans, ${Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length)} bytes each`)

// ---- http mode: the gateway process against the running Kafka -------------------------------------------
const writeKey = `otlpcost-${randomBytes(16).toString('hex')}`
type Checkout = { name: string; dir: string }
const checkouts: Checkout[] = [{ name: 'this', dir: here }, ...(args.compare ? [{ name: 'compare', dir: `${path.resolve(args.compare)}/` }] : [])]

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startGateway(checkout: Checkout, profileTo: string | null): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort()
  const log = `${os.tmpdir()}/${runTag}-${checkout.name}-${port}.log`
  const fd = openSync(log, 'w')
  const execArgv = profileTo ? ['--cpu-prof', `--cpu-prof-dir=${profileTo}`] : []
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    GATEWAY_WORKERS: '1',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_COMPRESSION: 'lz4',
    TOPIC_TEMPLATE: `${runTag}.{category}`,
    DEV_WRITE_KEY: writeKey,
    RATE_LIMIT_REQUESTS_PER_SECOND: '0',
    LOG_LEVEL: 'warn',
    SELF_TRACE_SAMPLE_RATIO: '0',
  }
  const proc = spawn(process.execPath, [...execArgv, `${checkout.dir}gateway/src/main.ts`], { env, stdio: ['ignore', fd, fd], cwd: checkout.dir })
  closeSync(fd)
  const url = `http://127.0.0.1:${port}`
  for (let until = Date.now() + 60_000; Date.now() < until; await sleep(200)) {
    if (proc.exitCode !== null) throw new Error(`gateway exited: see ${log}`)
    if ((await fetch(`${url}/readyz`).then((r) => r.status).catch(() => 0)) === 200) return { proc, url }
  }
  throw new Error(`gateway not ready in 60 s: see ${log}`)
}

async function stopGateway(proc: ChildProcess) {
  if (proc.exitCode !== null) return
  const exited = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(t)
}

type Drive = { spansPerS: number; acceptedSpans: number; p99: number; non200: number; errors: number }

async function drive(url: string, seconds: number): Promise<Drive> {
  let i = 0
  let accepted = 0
  let non200 = 0
  const result = await autocannon({
    url: `${url}/v1/traces`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length]!, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${writeKey}` } }),
        // a 200 with partial_success would carry a body; every body here is valid, so a 200 is 100 spans
        onResponse: (status) => (status === 200 ? (accepted += SPANS_PER_REQUEST) : non200++),
      },
    ],
  })
  return { spansPerS: accepted / result.duration, acceptedSpans: accepted, p99: result.latency.p99, non200, errors: result.errors + result.timeouts }
}

/** cpuUsPerSpan: all of the gateway's CPU over the run ÷ acknowledged spans; busyUsPerSpan: less what it burns idle (timers, metrics, Kafka client housekeeping), measured for 5 s before the run: on a machine too busy for the full rate, the idle share weighs on every span */
type HttpRound = Drive & { cpuUsPerSpan: number; busyUsPerSpan: number; idleCpuPercent: number; peakRssMb: number }

async function httpRound(checkout: Checkout, profileTo: string | null): Promise<HttpRound> {
  const { proc, url } = await startGateway(checkout, profileTo)
  try {
    await drive(url, 2) // warm-up: JIT, topic creation, producer connections
    await sleep(1000)
    const idleWatch = watchProcesses([{ name: 'gateway', pid: () => proc.pid, owned: false }])
    await sleep(5000)
    const idleCpuPerS = idleWatch.stop()[0]!.cpuSeconds / 5
    const watch = watchProcesses([{ name: 'gateway', pid: () => proc.pid, owned: true }])
    const t0 = performance.now()
    const run = await drive(url, DURATION)
    const seconds = (performance.now() - t0) / 1000
    const figures = watch.stop().find((f) => f.name === 'gateway')!
    const spans = Math.max(1, run.acceptedSpans)
    return { ...run, cpuUsPerSpan: (figures.cpuSeconds * 1e6) / spans, busyUsPerSpan: (Math.max(0, figures.cpuSeconds - idleCpuPerS * seconds) * 1e6) / spans, idleCpuPercent: idleCpuPerS * 100, peakRssMb: figures.peakRssMb }
  } finally {
    await stopGateway(proc)
  }
}

// ---- inproc mode: the Hono app with a producer that drops the messages --------------------------------
type InprocRound = { cpuUsPerSpan: number; spansPerS: number }

async function inprocApp(checkout: Checkout) {
  const { loadConfig } = (await import(`${checkout.dir}common/config.ts`)) as typeof import('../common/config.ts')
  const { createLogger } = (await import(`${checkout.dir}common/logger.ts`)) as typeof import('../common/logger.ts')
  const { createApp } = (await import(`${checkout.dir}gateway/src/app.ts`)) as typeof import('../gateway/src/app.ts')
  const { createVerifier } = (await import(`${checkout.dir}gateway/src/auth/writeKeys.ts`)) as typeof import('../gateway/src/auth/writeKeys.ts')
  const { createGeoLookup } = (await import(`${checkout.dir}gateway/src/geo.ts`)) as typeof import('../gateway/src/geo.ts')
  const { createGatewayMetrics } = (await import(`${checkout.dir}gateway/src/metrics.ts`)) as typeof import('../gateway/src/metrics.ts')
  const config = loadConfig({ DEV_WRITE_KEY: writeKey, WRITE_KEYS_FILE: '/nonexistent/keys.json', RATE_LIMIT_REQUESTS_PER_SECOND: '0', SELF_TRACE_SAMPLE_RATIO: '0' })
  let sent = 0
  const producer = {
    // what a producer must take from the message: the value's bytes (the Kafka client would encode it)
    async send(_topic: string, messages: Array<{ value: string | Buffer }>) {
      for (const m of messages) sent += m.value.length
    },
    async isReady() {
      return true
    },
    async close() {},
  }
  const app = createApp({
    config: config.gateway,
    limits: config.limits,
    auth: config.auth,
    verifyWriteKey: createVerifier([], config.auth.devKey),
    producer,
    geo: createGeoLookup(),
    metrics: createGatewayMetrics(),
    log: createLogger('gateway', 'warn', () => {}),
  })
  const post = async (body: Uint8Array) => {
    const res = await app.request('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${writeKey}` }, body: body as Uint8Array<ArrayBuffer> })
    if (res.status !== 200) throw new Error(`inproc: status ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
  }
  return { post, sentBytes: () => sent }
}

async function inprocRound(post: (b: Uint8Array) => Promise<void>): Promise<InprocRound> {
  const requests = Number(process.env.OTLP_COST_INPROC_REQUESTS ?? 1000)
  for (let i = 0; i < 200; i++) await post(bodies[i % bodies.length]!)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  // 8 requests in flight, as a few connections would have
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < requests) await post(bodies[next++ % bodies.length]!)
  }))
  const cpu = process.cpuUsage(cpu0)
  const spans = requests * SPANS_PER_REQUEST
  return { cpuUsPerSpan: (cpu.user + cpu.system) / spans, spansPerS: (spans / (performance.now() - t0)) * 1000 }
}

// ---- run --------------------------------------------------------------------------------------------
function summarizeProfiles(dir: string, label: string) {
  if (!existsSync(dir)) return
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const size = readFileSync(`${dir}/${f}`).length
    if (size < 100_000) continue // the cluster primary: nearly idle
    process.stdout.write(`\n### profile ${label} (${f})\n\`\`\`\n${execFileSync(process.execPath, [`${here}loadtest/profileSummary.ts`, `${dir}/${f}`, '25'], { encoding: 'utf8' })}\`\`\`\n`)
  }
}

const out: string[] = []
const mode = args.mode
if (mode === 'inproc' || mode === 'both') {
  const apps = await Promise.all(checkouts.map(async (c) => ({ c, app: await inprocApp(c) })))
  const runs = new Map<string, InprocRound[]>(checkouts.map((c) => [c.name, []]))
  const session = args.profile ? await startInprocProfile() : null
  for (let r = 0; r < ROUNDS; r++) {
    for (const { c, app } of apps) {
      const round = await inprocRound(app.post)
      runs.get(c.name)!.push(round)
      say(`inproc ${c.name} round ${r + 1}: ${round.cpuUsPerSpan.toFixed(2)} µs/span, ${Math.round(round.spansPerS)} spans/s`)
    }
  }
  if (session) await session.stop()
  out.push(`\n## in-process (fake producer), ${ROUNDS} rounds\n\n| checkout | CPU µs per span (median) | spans/s on one core (median) | each round µs |\n| --- | ---: | ---: | --- |`)
  for (const c of checkouts) {
    const rs = runs.get(c.name)!
    out.push(`| ${c.name} (${c.dir}) | ${median(rs.map((x) => x.cpuUsPerSpan)).toFixed(2)} | ${Math.round(median(rs.map((x) => x.spansPerS)))} | ${rs.map((x) => x.cpuUsPerSpan.toFixed(2)).join(' / ')} |`)
  }
}

if (mode === 'http' || mode === 'both') {
  const runs = new Map<string, HttpRound[]>(checkouts.map((c) => [c.name, []]))
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of checkouts) {
        const profileTo = args.profile && r === ROUNDS - 1 ? `${profileDir}/http-${c.name}-${runTag}` : null
        const round = await httpRound(c, profileTo)
        runs.get(c.name)!.push(round)
        say(`http ${c.name} round ${r + 1}: ${round.cpuUsPerSpan.toFixed(1)} µs/span (${round.busyUsPerSpan.toFixed(1)} above idle ${round.idleCpuPercent.toFixed(1)} % CPU), ${Math.round(round.spansPerS)} spans/s, p99 ${round.p99} ms, peak RSS ${Math.round(round.peakRssMb)} MB${round.non200 || round.errors ? `, ${round.non200} non-200, ${round.errors} errors` : ''}`)
      }
    }
  } finally {
    await deleteTopics()
  }
  out.push(`\n## OTLP/HTTP → Kafka, gateway 1 worker, ${CONNECTIONS} connections, ${DURATION} s a round, lz4, acks=all, ${ROUNDS} rounds\n\n| checkout | CPU µs per span (median) | above idle (median) | idle CPU % | spans/s (median) | p99 ms (median) | peak RSS MB (max) | each round µs |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |`)
  for (const c of checkouts) {
    const rs = runs.get(c.name)!
    out.push(`| ${c.name} (${c.dir}) | ${median(rs.map((x) => x.cpuUsPerSpan)).toFixed(1)} | ${median(rs.map((x) => x.busyUsPerSpan)).toFixed(1)} | ${median(rs.map((x) => x.idleCpuPercent)).toFixed(1)} | ${Math.round(median(rs.map((x) => x.spansPerS)))} | ${median(rs.map((x) => x.p99))} | ${Math.round(Math.max(...rs.map((x) => x.peakRssMb)))} | ${rs.map((x) => x.cpuUsPerSpan.toFixed(1)).join(' / ')} |`)
  }
}
process.stdout.write(`${out.join('\n')}\n`)
if (args.profile) {
  for (const c of checkouts) summarizeProfiles(`${profileDir}/http-${c.name}-${runTag}`, `http ${c.name}`)
  summarizeProfiles(`${profileDir}/inproc-${runTag}`, 'inproc (all checkouts)')
}

async function deleteTopics() {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  try {
    await admin.connect()
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(runTag))
    if (topics.length) await admin.deleteTopics({ topics })
  } catch (err) {
    say(`deleting the run's topics failed: ${(err as Error).message}`)
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

/** A CPU profile of this process over the in-process rounds (node:inspector). */
async function startInprocProfile() {
  const { Session } = await import('node:inspector/promises')
  const { writeFileSync } = await import('node:fs')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop')
      const dir = `${profileDir}/inproc-${runTag}`
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      writeFileSync(`${dir}/inproc.cpuprofile`, JSON.stringify(profile))
      session.disconnect()
    },
  }
}
