// CPU per acknowledged event of one gateway process on POST /v1/batch (100-event batches, acks=all, lz4):
// the gateway with GATEWAY_WORKERS=1 against the stack's real Kafka ("kafka"), and optionally the same app
// with a producer that acknowledges at once ("fake": the gateway's own cost without the Kafka client's).
// autocannon drives generator.ts bodies (identity and gzip) for a fixed time after a warm-up; the process's
// utime + stime (/proc/<pid>/stat, procStats.ts) over the measured window ÷ acknowledged events is the figure.
// Rounds alternate the variants (A/B in one sitting); medians are printed.
//   npm run bench:gateway                         (after npm run stack:up; ~2 min)
//   npm run bench:gateway -- --seconds 10 --rounds 3 --variants kafka,fake,steps,floor --bodies identity,gzip --profile
// Variants: kafka, fake (default both), steps (the route's steps in this process), floor (body parse + one
// serialization per event only).
// --profile: each run's process writes a V8 CPU profile (--cpu-prof), summarized with profileSummary.ts.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { bodyPool, type BenchBody } from './generator.ts'
import { watchProcesses } from './procStats.ts'

const FAKE_CHILD = 'GATEWAY_COST_FAKE_KAFKA'
if (process.env[FAKE_CHILD] === '1') {
  await import('./gatewayFakeKafka.ts')
} else {
  await main()
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      variants: { type: 'string', default: 'kafka,fake' },
      bodies: { type: 'string', default: 'identity,gzip' },
      profile: { type: 'boolean', default: false },
    },
  })
  const repo = new URL('../', import.meta.url).pathname
  const runTag = process.env.GATEWAY_COST_TOPIC_PREFIX ?? `gwcost${Date.now().toString(36)}`
  const logDir = `${os.tmpdir()}/${runTag}`
  const profileDir = `${logDir}/profiles`
  mkdirSync(profileDir, { recursive: true })
  const writeKey = `gwcost-${Date.now()}`
  const seconds = Number(values.seconds)
  const say = (msg: string) => process.stderr.write(`[gateway-cost ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
  const pools = { identity: bodyPool({ batchSize: 100, gzip: false, invalidShare: 0 }), gzip: bodyPool({ batchSize: 100, gzip: true, invalidShare: 0 }) }

  type Variant = 'kafka' | 'fake' | 'steps' | 'floor'
  type Run = { variant: Variant; body: 'identity' | 'gzip'; cpuUsPerEvent: number; eventsPerS: number; non2xx: number; profile?: string }
  const runs: Run[] = []

  async function startGateway(variant: Variant, tag: string): Promise<{ proc: ChildProcess; url: string }> {
    const port = await freePort()
    const fd = openSync(`${logDir}/${tag}.log`, 'w')
    const execArgv = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${tag}.cpuprofile`] : []
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      GATEWAY_WORKERS: '1',
      LOG_LEVEL: 'info', // as in loadtest/bench.ts: one log line per request is part of the cost
      TOPIC_TEMPLATE: `${runTag}.{category}`,
      KAFKA_COMPRESSION: process.env.BENCH_KAFKA_COMPRESSION ?? 'lz4',
      KAFKA_PARTITIONS: '2',
      DEV_WRITE_KEY: writeKey,
      RATE_LIMIT_REQUESTS_PER_SECOND: '0',
      ...(variant === 'fake' ? { [FAKE_CHILD]: '1' } : {}),
    }
    const file = variant === 'fake' ? 'loadtest/gatewayCost.ts' : 'gateway/src/main.ts'
    const proc = spawn(process.execPath, [...execArgv, `${repo}${file}`], { env, stdio: ['ignore', fd, fd] })
    closeSync(fd)
    const url = `http://127.0.0.1:${port}`
    const until = Date.now() + 60_000
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: see ${logDir}/${tag}.log`)
      if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) return { proc, url }
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error('timed out waiting for the gateway')
  }

  async function drive(url: string, pool: BenchBody[], gzip: boolean, duration: number) {
    let i = 0
    let acked = 0
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` }
    if (gzip) headers['content-encoding'] = 'gzip'
    const result = await autocannon({
      url: `${url}/v1/batch`,
      connections: Number(values.connections),
      duration,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const body = pool[i++ % pool.length]!
            return { ...req, body: body.bytes, headers }
          },
          onResponse: (status) => {
            if (status === 200) acked += pool[0]!.valid
          },
        },
      ],
    })
    return { acked, non2xx: result.non2xx + result.errors + result.timeouts, durationS: result.duration }
  }

  const variants = values.variants.split(',') as Variant[]
  const bodies = values.bodies.split(',') as Array<'identity' | 'gzip'>
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const variant of variants) {
      for (const body of bodies) {
        if (variant === 'steps' || variant === 'floor') {
          const { cpuUsPerEvent, eventsPerS } = variant === 'steps' ? await stepsCost(pools[body], body === 'gzip', seconds) : await floorCost(pools[body], body === 'gzip', seconds)
          runs.push({ variant, body, cpuUsPerEvent, eventsPerS, non2xx: 0 })
          say(`${variant}-${body}-r${round}: ${cpuUsPerEvent.toFixed(1)} µs CPU per event, ${Math.round(eventsPerS)} events/s (in this process, no HTTP, no Kafka)`)
          continue
        }
        const tag = `${variant}-${body}-r${round}`
        const gw = await startGateway(variant, tag)
        try {
          await drive(gw.url, pools[body], body === 'gzip', Number(values.warmup)) // warm-up: JIT, topic creation, connections
          const watch = watchProcesses([{ name: 'gateway', pid: () => gw.proc.pid, owned: true }])
          const load = await drive(gw.url, pools[body], body === 'gzip', seconds)
          const [figures] = watch.stop()
          const run: Run = { variant, body, cpuUsPerEvent: (figures!.cpuSeconds * 1e6) / Math.max(1, load.acked), eventsPerS: load.acked / load.durationS, non2xx: load.non2xx }
          runs.push(run)
          say(`${tag}: ${run.cpuUsPerEvent.toFixed(1)} µs CPU per event, ${Math.round(run.eventsPerS)} events/s, ${figures!.cpuSeconds} CPU-s, non-2xx ${run.non2xx}, peak RSS ${figures!.peakRssMb} MB`)
        } finally {
          await stop(gw.proc)
        }
        if (values.profile) runs.at(-1)!.profile = readdirSync(profileDir).map((f) => `${profileDir}/${f}`).find((f) => f.includes(tag))
      }
    }
  }

  const variantNames = { kafka: 'real Kafka (lz4, acks=all)', fake: 'fake producer (acks at once)', steps: 'route steps only (no HTTP, no Kafka)', floor: 'body parsed + each Kafka value serialized, nothing else' }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
  const lines = ['', `| gateway (1 worker) | body | CPU µs per acked event (median of ${values.rounds}) | events/s (median) | each round (µs) |`, '| --- | --- | ---: | ---: | --- |']
  for (const variant of variants) {
    for (const body of bodies) {
      const mine = runs.filter((r) => r.variant === variant && r.body === body)
      lines.push(`| ${variantNames[variant]} | ${body} | ${median(mine.map((r) => r.cpuUsPerEvent)).toFixed(1)} | ${Math.round(median(mine.map((r) => r.eventsPerS)))} | ${mine.map((r) => r.cpuUsPerEvent.toFixed(1)).join(' / ')} |`)
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  if (values.profile) {
    for (const r of runs.filter((r) => r.profile && r.body === bodies[0]).slice(-variants.length)) {
      process.stdout.write(`\nprofile of ${r.variant}/${r.body} (last round): ${r.profile}\n`)
      process.stdout.write(execFileSync(process.execPath, [`${repo}loadtest/profileSummary.ts`, r.profile!, '25'], { encoding: 'utf8' }))
    }
  }
}

/**
 * The route's steps in this process, as routes/batch.ts runs them, without HTTP or Kafka: decode, envelope,
 * validate, enrich, the Kafka values serialized (produceAccepted with a producer that acknowledges at once),
 * the response built and serialized. Repeated for `seconds`; CPU from process.cpuUsage().
 */
async function stepsCost(pool: BenchBody[], gzip: boolean, seconds: number) {
  const { loadConfig } = await import('../common/config.ts')
  const { decodeBody } = await import('../gateway/src/steps/decodeBody.ts')
  const { checkEnvelope } = await import('../gateway/src/steps/splitAndValidate.ts')
  const { batchItems } = await import('../gateway/src/batchItems.ts')
  const { produceAccepted } = await import('../gateway/src/steps/produceAccepted.ts')
  const { buildResponse } = await import('../gateway/src/steps/buildResponse.ts')
  const { limits, gateway } = loadConfig({ KAFKA_RECORD_MAX_BYTES: process.env.KAFKA_RECORD_MAX_BYTES })
  const producer = { send: async () => {}, isReady: async () => true, close: async () => {} }
  const ctx = { topicTemplate: 't.{category}', category: 'bench', timeoutMs: 5000, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', requestId: 'r', recordMaxBytes: gateway.recordMaxBytes }
  const geo = () => ({ country: 'US', region: 'CA', city: 'Mountain View' })
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (gzip) headers['content-encoding'] = 'gzip'
  const once = async (body: BenchBody) => {
    const decoded = await decodeBody(new Request('http://x/v1/batch', { method: 'POST', body: body.bytes, headers: { ...headers, 'content-length': String(body.bytes.length) } }), limits)
    if (!decoded.ok) throw new Error(decoded.message)
    const checked = checkEnvelope(decoded.json, limits)
    if (!checked.ok) throw new Error(checked.message)
    const { type, outcomes } = batchItems(checked.envelope, limits, { receivedAt: Date.now(), clientIp: '8.8.8.8', geo })
    const produced = await produceAccepted(producer, type, outcomes, ctx)
    return JSON.stringify(buildResponse(outcomes, produced).body).length
  }
  for (let i = 0; i < 200; i++) await once(pool[i % pool.length]!) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let events = 0
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    await once(pool[i % pool.length]!)
    events += pool[0]!.valid
  }
  const cpu = process.cpuUsage(cpu0)
  return { cpuUsPerEvent: (cpu.user + cpu.system) / events, eventsPerS: (events / (performance.now() - t0)) * 1000 }
}

/**
 * The work no gateway can skip for an event: the body decompressed (gzip) and parsed once, and each Kafka value
 * (the enriched event, made beforehand) serialized once. The floor under the "steps" figure.
 */
async function floorCost(pool: BenchBody[], gzip: boolean, seconds: number) {
  const { gunzipSync } = await import('node:zlib')
  const { gatewayEvents } = await import('./gatewayEvents.ts')
  const plain = gzip ? bodyPool({ batchSize: 100, gzip: false, invalidShare: 0 }) : pool
  const enriched = plain.map((b) => gatewayEvents([b]))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let events = 0
  let chars = 0 // what was made is used, so none of it can be optimized away
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const b = i % pool.length
    const text = (gzip ? gunzipSync(pool[b]!.bytes) : pool[b]!.bytes).toString()
    chars += (JSON.parse(text) as { data: unknown[] }).data.length
    for (const e of enriched[b]!) chars += JSON.stringify(e).length
    events += pool[b]!.valid
  }
  const cpu = process.cpuUsage(cpu0)
  if (chars === 0) throw new Error('nothing was serialized')
  return { cpuUsPerEvent: (cpu.user + cpu.system) / events, eventsPerS: (events / (performance.now() - t0)) * 1000 }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

async function stop(proc: ChildProcess) {
  if (proc.exitCode !== null) return
  const exited = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(t)
}
