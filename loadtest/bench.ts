// npm run bench [-- --quick] [-- --profile]
// Starts gateway and consumer as child processes against the running local stack (per-run topic, group and
// database), drives them with autocannon, measures the ceilings (bare Hono handler; Kafka's own
// ProducerPerformance) in the same run, checks that every acknowledged event landed in ClickHouse once,
// prints one table and writes loadtest/results/<mode>.json and .md. Cleans up its topics and database.
import { randomBytes } from 'node:crypto'
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig } from '../common/config.ts'
import { packRecords } from '../gateway/src/steps/packRecords.ts'
import { eventType } from '../schemas/eventType.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool, eventSizes, type BenchBody } from './generator.ts'
import { otlpTraceTemplate, type OtlpBodyTemplate } from './otlpBodies.ts'
import { round, watchProcesses, type ProcFigures } from './procStats.ts'
import { summarizeProfile, type ProfileSummary } from './profileSummary.ts'
import { limitOf, type LimitInputs, type ScenarioCost, type TargetKind, type WorkerMemory } from './targetLimits.ts'

// ---- options -----------------------------------------------------------------------------------------
const argv = new Set(process.argv.slice(2))
const QUICK = argv.has('--quick')
const PROFILE = argv.has('--profile')
const MODE = QUICK ? 'quick' : 'full'
const repo = new URL('../', import.meta.url).pathname
const env = process.env
const WORKERS = Number(env.BENCH_GATEWAY_WORKERS ?? os.availableParallelism())
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32)
const KAFKA_COMPRESSION = env.BENCH_KAFKA_COMPRESSION ?? 'lz4'
// Partitions of the bench's events topic: the consumer reads at most CONSUMER_PARTITIONS_CONCURRENTLY of them at once.
const PARTITIONS = Number(env.BENCH_PARTITIONS ?? 2)
// Consumer processes (CONSUMER_WORKERS): one group member per partition, as a deployment at this rate would run.
const CONSUMER_WORKERS = Number(env.BENCH_CONSUMER_WORKERS ?? PARTITIONS)
const D = QUICK
  ? { main: 6, other: 4, steady: 6, overload: 6, ceiling: 4, scaling: 5, otlp: 6, drainMax: 30 }
  : { main: 60, other: 10, steady: 30, overload: 20, ceiling: 10, scaling: 15, otlp: 30, drainMax: 90 }
// e.g. the quick run with the full run's 60 s main scenario, to judge the sustained landed ratio quickly
if (env.BENCH_MAIN_SECONDS) D.main = Number(env.BENCH_MAIN_SECONDS)
const BROKERS = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const CLICKHOUSE_URL = env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123'
const runTag = `bench${Date.now().toString(36)}`
const topicTemplate = `${runTag}.{category}`
const eventsTopic = `${runTag}.bench`
const spansTopic = `${runTag}.spans`
const ceilingTopic = `${runTag}_ceiling`
const dlqTopic = `${runTag}_dead_letter`
const database = `${runTag}`
const resultsDir = `${repo}loadtest/results`
const logDir = `${os.tmpdir()}/${runTag}`
mkdirSync(logDir, { recursive: true })
mkdirSync(resultsDir, { recursive: true })

const say = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

// ---- child processes ---------------------------------------------------------------------------------
type Child = { proc: ChildProcess; log: string; name: string }
const children = new Set<Child>()

function startChild(name: string, file: string, extraEnv: Record<string, string>): Child {
  const log = `${logDir}/${name}-${Date.now()}.log`
  const fd = openSync(log, 'w')
  const execArgv = PROFILE && name !== 'bare' ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}/profiles`] : []
  const proc = spawn(process.execPath, [...execArgv, `${repo}${file}`], { env: { ...env, ...extraEnv }, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  const child = { proc, log, name }
  children.add(child)
  proc.on('exit', () => children.delete(child))
  return child
}

async function stopChild(child: Child) {
  if (child.proc.exitCode !== null) return
  const exited = new Promise((r) => child.proc.once('exit', r))
  child.proc.kill('SIGTERM')
  const t = setTimeout(() => child.proc.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(t)
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await Promise.resolve(probe()).catch(() => false)) return
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}`)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const benchWriteKey = `bench-${randomBytes(16).toString('hex')}`
const pipelineEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  TOPIC_TEMPLATE: topicTemplate,
  DEAD_LETTER_TOPIC: dlqTopic,
  CONSUMER_GROUP: runTag,
  CLICKHOUSE_DATABASE: database,
  CLICKHOUSE_URL,
  KAFKA_BROKERS: BROKERS.join(','),
  KAFKA_COMPRESSION,
  // auth stays on (as in production) with a per-run key for every app; rate limits are not what is measured
  DEV_WRITE_KEY: benchWriteKey,
  RATE_LIMIT_REQUESTS_PER_SECOND: '0',
  ...extra,
})

let gateway: Child | null = null
let gatewayUrl = ''
async function startGatewayProcess(workers: number, extra: Record<string, string> = {}) {
  if (gateway) await stopChild(gateway)
  const port = await freePort()
  gateway = startChild(`gateway-w${workers}`, 'gateway/src/main.ts', pipelineEnv({ HOST: '127.0.0.1', PORT: String(port), GATEWAY_WORKERS: String(workers), LOG_LEVEL: 'info', ...extra }))
  gatewayUrl = `http://127.0.0.1:${port}`
  await waitUntil('gateway /readyz', async () => (await fetch(`${gatewayUrl}/readyz`)).status === 200, 60_000)
}

/** One gateway worker's memory from /metrics (summed over the workers by the gateway, so divided here). */
async function gatewayWorkerMemory(workers: number): Promise<WorkerMemory | undefined> {
  try {
    const text = await (await fetch(`${gatewayUrl}/metrics`)).text()
    const mb = (name: string) => {
      const m = new RegExp(`^${name} ([\\d.e+]+)$`, 'm').exec(text)
      return m ? Number(m[1]) / 2 ** 20 / workers : 0
    }
    const spaces: Record<string, number> = {}
    for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{[^}]*space="(\w+)"[^}]*\} ([\d.e+]+)$/gm)) spaces[m[1]!] = round(Number(m[2]) / 2 ** 20 / workers, 1)
    return { rssMb: round(mb('process_resident_memory_bytes'), 1), heapTotalMb: round(mb('nodejs_heap_size_total_bytes'), 1), heapUsedMb: round(mb('nodejs_heap_size_used_bytes'), 1), externalMb: round(mb('nodejs_external_memory_bytes'), 1), spaces }
  } catch {
    return undefined
  }
}

// ---- acknowledgements and their arrival in ClickHouse ------------------------------------------------
type Ack = { at: number; expected: number; visibleAt: number; scenario: number }
const acks = new Map<string, Ack>()
let seq = 0

type LoadResult = {
  durationS: number
  requestsPerS: number
  eventsPerS: number
  acceptedEvents: number
  latencyMs: { p50: number; p99: number; p99_9: number; max: number }
  statusCounts: Record<string, number>
  non2xx: number
  errors: number
  timeouts: number
}

/** What a scenario sends: the route, the content type and a body (with its acknowledged item count) per request. */
type Traffic = { path: string; contentType: string; gzip: boolean; next(): { body: Buffer; label: string; expected: number } }

function batchTraffic(pool: BenchBody[], gzip: boolean): Traffic {
  let i = 0
  return {
    path: '/v1/batch',
    contentType: 'application/json',
    gzip,
    next() {
      const b = i++ % pool.length
      return { body: pool[b]!.bytes, label: String(b), expected: pool[b]!.valid }
    },
  }
}

function otlpTraffic(template: OtlpBodyTemplate): Traffic {
  return { path: '/v1/traces', contentType: 'application/x-protobuf', gzip: false, next: () => ({ body: template.next(), label: 'otlp', expected: template.spans }) }
}

async function drive(scenario: number, url: string, traffic: Traffic, opts: { duration: number; connections?: number; overallRate?: number; track?: boolean }): Promise<LoadResult> {
  const statusCounts: Record<string, number> = {}
  let accepted = 0
  const track = opts.track ?? true
  const expectedOf = new Map<string, number>()
  const headers: Record<string, string> = { 'content-type': traffic.contentType, authorization: `Bearer ${benchWriteKey}` }
  if (traffic.gzip) headers['content-encoding'] = 'gzip'
  const result = await autocannon({
    url: `${url}${traffic.path}`,
    connections: opts.connections ?? CONNECTIONS,
    duration: opts.duration,
    ...(opts.overallRate ? { overallRate: Math.max(1, Math.round(opts.overallRate)) } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const { body, label, expected } = traffic.next()
          const id = `${runTag}-${scenario}-${label}-${seq++}`
          expectedOf.set(id, expected)
          return { ...req, body, headers: { ...headers, 'x-request-id': id } }
        },
        onResponse: (status, _body, _ctx, resHeaders) => {
          statusCounts[status] = (statusCounts[status] ?? 0) + 1
          if (status !== 200 && status !== 206) return
          const id = String((resHeaders as Record<string, string>)['x-request-id'] ?? '')
          // the bare server echoes no request id: every body of a pool holds the same number of valid events
          const expected = expectedOf.get(id) ?? traffic.next().expected
          expectedOf.delete(id)
          accepted += expected
          if (track) acks.set(id, { at: Date.now(), expected, visibleAt: 0, scenario })
        },
      },
    ],
  })
  return {
    durationS: result.duration,
    requestsPerS: round(result.requests.total / result.duration, 1),
    eventsPerS: round(accepted / result.duration),
    acceptedEvents: accepted,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9, max: result.latency.max },
    statusCounts,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

/**
 * Polls ClickHouse every 250 ms for the acknowledged requests' rows, marking each request visible once all its
 * rows are there. Each poll reads only parts written since shortly before the previous poll (`_part IN ...`), so
 * its own cost does not grow with the table (scanning the whole table four times a second was ClickHouse CPU
 * charged to the pipeline). Two counts per request: the rows of every inserted (level 0) part, each part read
 * once and added up, so a request whose items went to several partitions, hence several inserts seconds apart
 * (OTLP: one record per trace), is seen whole; and the rows inserted in the last seconds of the recent parts,
 * which also finds rows whose inserted part a merge replaced before a poll saw it.
 */
function startVisibilityPoller(ch: ClickHouseClient) {
  let stopped = false
  let lastStart = Date.now()
  const series: { t: number; rows: number; activeParts: number }[] = []
  const seenInsertedParts = new Set<string>()
  const rowsInSeenParts = new Map<string, number>()
  const text = async (query: string) => (await (await ch.query({ query, format: 'TabSeparated' })).text()).split('\n').filter((l) => l !== '')
  const countsIn = (parts: Map<string, string[]>, where: string) =>
    Promise.all([...parts].map(([table, names]) => text(`SELECT request_id, count() FROM ${table} WHERE _part IN (${names.map((n) => `'${n}'`).join(', ')})${where} GROUP BY request_id`))).then((r) => r.flat())
  const markVisible = (lines: string[], at: number, addUp: boolean) => {
    for (const line of lines) {
      const [id, n] = line.split('\t') as [string, string]
      const a = acks.get(id)
      if (!a || a.visibleAt !== 0) continue
      const rows = addUp ? (rowsInSeenParts.get(id) ?? 0) + Number(n) : Number(n)
      if (addUp) rowsInSeenParts.set(id, rows)
      if (rows >= a.expected) a.visibleAt = at
    }
  }
  const poll = async (started: number) => {
    const since = Math.floor(lastStart / 1000) - 2
    const parts = await text(`SELECT table, name, level, modification_time >= toDateTime(${since}), rows FROM system.parts WHERE database = currentDatabase() AND table IN ('events', 'spans') AND active`)
    const recent = new Map<string, string[]>()
    const inserted = new Map<string, string[]>()
    let activeParts = 0
    let rows = 0
    for (const line of parts) {
      const [table, name, level, isRecent, partRows] = line.split('\t') as [string, string, string, string, string]
      if (table === 'events') {
        activeParts++
        rows += Number(partRows)
      }
      // part names come from ClickHouse itself (partition_min_max_level); checked before they are quoted
      if (!/^[\w-]+$/.test(name)) continue
      if (isRecent === '1') recent.set(table, [...(recent.get(table) ?? []), name])
      if (level === '0' && !seenInsertedParts.has(`${table}/${name}`)) inserted.set(table, [...(inserted.get(table) ?? []), name])
    }
    const [insertedCounts, recentCounts] = await Promise.all([countsIn(inserted, ''), countsIn(recent, ` AND inserted_at >= toDateTime(${since})`)])
    for (const [table, names] of inserted) for (const n of names) seenInsertedParts.add(`${table}/${n}`)
    markVisible(insertedCounts, started, true)
    markVisible(recentCounts, started, false)
    series.push({ t: started, rows, activeParts })
  }
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now()
      try {
        await poll(started)
        lastStart = started
      } catch {
        /* the table may not exist yet */
      }
      await sleep(Math.max(0, 250 - (Date.now() - started)))
    }
  })()
  return {
    series,
    async stop() {
      stopped = true
      await loop
    },
  }
}

async function drain(scenario: number, maxS: number) {
  const pending = () => [...acks.values()].filter((a) => a.scenario === scenario && a.visibleAt === 0).length
  const until = Date.now() + maxS * 1000
  while (Date.now() < until && pending() > 0) await sleep(250)
  return pending()
}

function e2eFigures(scenario: number, startedAt: number) {
  const list = [...acks.values()].filter((a) => a.scenario === scenario)
  const visible = list.filter((a) => a.visibleAt > 0)
  const lat = visible.map((a) => a.visibleAt - a.at).sort((a, b) => a - b)
  const events = list.reduce((s, a) => s + a.expected, 0)
  const lastVisible = Math.max(0, ...visible.map((a) => a.visibleAt))
  return {
    ackedRequests: list.length,
    notVisible: list.length - visible.length,
    landedEventsPerS: lastVisible > 0 ? round(events / ((lastVisible - startedAt) / 1000)) : 0,
    ackToVisibleMs: { p50: pct(lat, 0.5), p99: pct(lat, 0.99) },
  }
}
const pct = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!)

// ---- ceilings ----------------------------------------------------------------------------------------
async function httpCeiling(pool: BenchBody[], duration: number, workers: number): Promise<LoadResult & { cpuUsPerEvent: number }> {
  const port = await freePort()
  const bare = startChild('bare', 'loadtest/bareServer.ts', { PORT: String(port), BARE_WORKERS: String(workers) })
  await waitUntil('bare server', () => readFileSync(bare.log, 'utf8').includes('listening'), 30_000)
  try {
    const watch = watchProcesses([{ name: 'bare', pid: () => bare.proc.pid, owned: true }])
    const r = await drive(-1, `http://127.0.0.1:${port}`, batchTraffic(pool, false), { duration, track: false })
    const events = r.requestsPerS * r.durationS * pool[0]!.events
    // CPU µs per event of the handler alone: the floor of Node's HTTP + Hono + JSON.parse under the gateway
    return { ...r, eventsPerS: round(r.requestsPerS * pool[0]!.events), cpuUsPerEvent: round((watch.stop()[0]!.cpuSeconds * 1e6) / Math.max(1, events), 1) }
  } finally {
    await stopChild(bare)
  }
}

function stackScript(): string {
  if (env.BENCH_STACK_SCRIPT) return env.BENCH_STACK_SCRIPT
  // kafka-class runs with the jars under .local of the checkout that holds the script
  // (set BENCH_STACK_SCRIPT to another checkout's scripts/stack.sh to use its jars, e.g. from a git worktree)
  if (existsSync(`${repo}.local/kafka`)) return `${repo}scripts/stack.sh`
  return `${repo}scripts/stack.sh`
}

/** Kafka's ProducerPerformance with the gateway's own serialized events as payloads, same acks and compression. */
async function brokerCeiling(records: number, payloadFile: string, kafkaPid: () => number | undefined) {
  const watch = watchProcesses([{ name: 'kafka', pid: kafkaPid, owned: false }])
  const args = [
    stackScript(), 'kafka-class', 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', ceilingTopic, '--num-records', String(records), '--payload-file', payloadFile, '--payload-delimiter', PAYLOAD_DELIMITER, '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${BROKERS[0]}`, 'acks=all', `compression.type=${KAFKA_COMPRESSION}`,
  ]
  const { stdout } = await promisify(execFile)('bash', args, { timeout: 300_000, maxBuffer: 10 * 1024 * 1024 })
  // "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, ..."
  const line = stdout.trim().split('\n').reverse().find((l) => /records sent/.test(l)) ?? ''
  const m = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line)
  if (!m) throw new Error(`could not parse ProducerPerformance output: ${stdout.slice(-500)}`)
  const kafkaCpuUsPerRecord = round((watch.stop()[0]!.cpuSeconds * 1e6) / records, 1)
  return { records, recordsPerS: Number(m[1]), mbPerS: Number(m[2]), avgLatencyMs: Number(m[3]), p99LatencyMs: Number(m[7]), kafkaCpuUsPerRecord, summary: line.trim() }
}

/**
 * The gateway's Kafka record values for these bodies (real validation + enrichment, packed per upload as the
 * gateway packs them, KAFKA_RECORD_MAX_BYTES), separated by U+001E: NDJSON values hold newlines, and
 * JSON.stringify escapes every control character, so a raw U+001E cannot occur inside one.
 */
const PAYLOAD_DELIMITER = '\u001e'
function writePayloadFile(pool: BenchBody[]): { file: string; meanBytes: number; meanEventBytes: number; eventsPerRecord: number } {
  const recordMaxBytes = loadConfig({ KAFKA_RECORD_MAX_BYTES: env.KAFKA_RECORD_MAX_BYTES }).gateway.recordMaxBytes
  const uploads = pool.slice(0, 16).map((body) => gatewayEvents([body]))
  const values = uploads.flatMap((events) => packRecords(events, (e) => eventType.partitionKey(e), recordMaxBytes).map((r) => r.value))
  const events = uploads.reduce((n, u) => n + u.length, 0)
  const file = `${logDir}/payloads.txt`
  writeFileSync(file, values.join(PAYLOAD_DELIMITER))
  const bytes = values.reduce((s, v) => s + Buffer.byteLength(v), 0)
  return { file, meanBytes: Math.round(bytes / values.length), meanEventBytes: Math.round((bytes - (events - values.length)) / events), eventsPerRecord: round(events / values.length, 1) }
}

// ---- consumer log: inserts per second and rows per insert ---------------------------------------------
function insertFigures(logFile: string, from: number, to: number) {
  const perSecond = new Map<number, { inserts: number; rows: number }>()
  let inserts = 0
  let rows = 0
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"batch loaded"')) continue
    const e = JSON.parse(line) as { time: string; inserted: number }
    const t = Date.parse(e.time)
    if (t < from || t > to) continue
    const s = Math.floor(t / 1000)
    const b = perSecond.get(s) ?? { inserts: 0, rows: 0 }
    b.inserts++
    b.rows += e.inserted
    perSecond.set(s, b)
    inserts++
    rows += e.inserted
  }
  const seconds = Math.max(1, (to - from) / 1000)
  return {
    inserts,
    insertsPerS: round(inserts / seconds, 1),
    maxInsertsInOneSecond: Math.max(0, ...[...perSecond.values()].map((b) => b.inserts)),
    rowsPerInsert: inserts ? Math.round(rows / inserts) : 0,
    rowsPerS: round(rows / seconds),
  }
}

// ---- the run -----------------------------------------------------------------------------------------
type ScenarioRow = {
  name: string
  batch: number
  gzip: boolean
  invalidShare: number
  workers: number
  rate: string
  load: LoadResult
  e2e?: ReturnType<typeof e2eFigures>
  inserts?: ReturnType<typeof insertFigures>
  maxActiveParts?: number
  processes: ProcFigures[]
  /** CPU µs per acknowledged item of each process (and all four), from the scenario's start until its items were all visible */
  cpuUsPerItem: Record<string, number>
  drainedAfterS: number
  notDrained: number
  /** seconds from the scenario's start until its items were visible (the span its CPU figures cover) */
  measuredS: number
  /** cores the whole machine was busy over the same span (this pipeline and anything else running) */
  machineCoresBusy: number
  /** one gateway worker's memory split right after the load (prom-client's default metrics, averaged over workers) */
  gatewayMemory?: WorkerMemory
}

const PROCESS_NAMES = ['gateway', 'consumer', 'kafka', 'clickhouse'] as const

function cpuPerItem(procs: ProcFigures[], items: number): Record<string, number> {
  const per = (cpuSeconds: number) => (items > 0 ? round((cpuSeconds * 1e6) / items, 1) : 0)
  const out: Record<string, number> = {}
  for (const n of PROCESS_NAMES) out[n] = per(procs.find((p) => p.name === n)?.cpuSeconds ?? 0)
  out.total = per(procs.reduce((sum, p) => sum + p.cpuSeconds, 0))
  return out
}

const targetLabel = (t: { name: string; value: number; unit: string; target: string }) => `${t.name}: ${[t.value, t.unit].join(' ').trim()} (target ${[t.target, t.unit].join(' ').trim()})`

function scenarioCost(row: ScenarioRow): ScenarioCost {
  return {
    itemsPerS: row.load.eventsPerS,
    landedPerS: row.e2e?.landedEventsPerS ?? 0,
    durationS: row.load.durationS,
    cpuUsPerItem: row.cpuUsPerItem,
    cpuSeconds: Object.fromEntries(row.processes.map((p) => [p.name, p.cpuSeconds])),
    measuredS: Math.max(1, row.measuredS),
    ackToVisibleMs: row.e2e?.ackToVisibleMs ?? { p50: 0, p99: 0 },
    insertsPerS: row.inserts?.insertsPerS ?? 0,
    machineCoresBusy: row.machineCoresBusy,
  }
}

/** CPU ticks (1/100 s) the whole machine spent busy since boot, from /proc/stat (all but idle and iowait). */
function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0)
}

/** This run's busiest gateway worker and consumer worker profiles (--profile writes one per process). */
function busiestProfiles(since: number): { gateway?: ProfileSummary; consumer?: ProfileSummary } {
  const dir = `${resultsDir}/profiles`
  const out: { gateway?: ProfileSummary; consumer?: ProfileSummary } = {}
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    if (statSync(`${dir}/${f}`).mtimeMs < since) continue
    const s = summarizeProfile(`${dir}/${f}`)
    if (s.role !== 'other' && s.busyMs > (out[s.role]?.busyMs ?? 0)) out[s.role] = s
  }
  return out
}

async function main() {
  const started = Date.now()
  const kafka = new Kafka({ clientId: 'bench', brokers: BROKERS, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const ch = createClient({ url: CLICKHOUSE_URL, database, application: 'bench', request_timeout: 120_000 })
  const chRoot = createClient({ url: CLICKHOUSE_URL, application: 'bench' })
  let consumer: Child | null = null
  let poller: ReturnType<typeof startVisibilityPoller> | null = null
  const stackPids = (name: string) => () => {
    for (const dir of [`${repo}.local`, ...(env.BENCH_STACK_DIR ? [env.BENCH_STACK_DIR] : [])]) {
      try {
        return Number(readFileSync(`${dir}/${name}/${name}.pid`, 'utf8').trim())
      } catch {
        /* next */
      }
    }
    return undefined
  }
  const cleanup = async () => {
    await poller?.stop().catch(() => {})
    for (const c of [...children]) await stopChild(c)
    await chRoot.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch((e) => say(`drop database failed: ${e}`))
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(runTag))
    if (topics.length) await admin.deleteTopics({ topics }).catch((e) => say(`delete topics failed: ${e}`))
    await admin.disconnect()
    await ch.close()
    await chRoot.close()
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
  process.once('uncaughtException', (err) => {
    say(`failed: ${err.stack ?? err}`)
    void cleanup().finally(() => process.exit(1))
  })

  try {
    say(`run ${runTag}, mode ${MODE}, gateway workers ${WORKERS}, consumer workers ${CONSUMER_WORKERS}, ${CONNECTIONS} connections, Kafka compression ${KAFKA_COMPRESSION}`)
    await admin.createTopics({ topics: [eventsTopic, spansTopic, ceilingTopic, dlqTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true })
    consumer = startChild('consumer', 'consumers/src/main.ts', pipelineEnv({ LOG_LEVEL: 'debug', CONSUMER_TOPIC_REFRESH_MS: '2000', CONSUMER_WORKERS: String(CONSUMER_WORKERS) }))
    const consumerLog = consumer.log
    await waitUntil('consumer', () => readFileSync(consumerLog, 'utf8').includes('"consuming"'), 60_000)
    poller = startVisibilityPoller(ch)

    const pools = new Map<string, BenchBody[]>()
    const poolFor = (batch: number, gzip: boolean, invalid: number) => {
      const k = `${batch}/${gzip}/${invalid}`
      if (!pools.has(k)) pools.set(k, bodyPool({ batchSize: batch, gzip, invalidShare: invalid }))
      return pools.get(k)!
    }
    const watched = () => [
      { name: 'gateway', pid: () => gateway?.proc.pid, owned: true },
      { name: 'consumer', pid: () => consumer?.proc.pid, owned: true },
      { name: 'kafka', pid: stackPids('kafka'), owned: false },
      { name: 'clickhouse', pid: stackPids('clickhouse'), owned: false },
    ]
    const rows: ScenarioRow[] = []
    let scenarioNo = 0
    const run = async (name: string, batch: number, gzip: boolean, invalid: number, duration: number, extra: { overallRate?: number; connections?: number; traffic?: Traffic } = {}) => {
      const no = scenarioNo++
      const traffic = extra.traffic ?? batchTraffic(poolFor(batch, gzip, invalid), gzip)
      say(`${name}: ${traffic.path}, batch ${batch}, ${gzip ? 'gzip' : 'identity'}, ${invalid * 100}% invalid, ${duration} s${extra.overallRate ? `, ${Math.round(extra.overallRate)} req/s` : ''}${extra.connections ? `, ${extra.connections} connections` : ''}`)
      const watch = watchProcesses(watched())
      const machineBusy = machineBusyTicks()
      const t0 = Date.now()
      const load = await drive(no, gatewayUrl, traffic, { duration, ...extra })
      const t1 = Date.now()
      const gatewayMemory = await gatewayWorkerMemory(currentWorkers)
      const left = await drain(no, D.drainMax)
      if (left > 0) say(`  ${left} acknowledged requests not visible after ${D.drainMax} s`)
      // CPU until the scenario's items are all in ClickHouse: every process's whole cost of this scenario's items
      const procs = watch.stop()
      const measuredS = (Date.now() - t0) / 1000
      const row: ScenarioRow = {
        name, batch, gzip, invalidShare: invalid, workers: currentWorkers,
        rate: extra.overallRate ? `${Math.round(extra.overallRate)} req/s` : 'max',
        load, e2e: e2eFigures(no, t0), inserts: insertFigures(consumerLog, t0, t1),
        maxActiveParts: Math.max(0, ...poller!.series.filter((s) => s.t >= t0 && s.t <= t1).map((s) => s.activeParts)),
        processes: procs,
        cpuUsPerItem: cpuPerItem(procs, load.acceptedEvents),
        drainedAfterS: round((Date.now() - t1) / 1000, 1),
        notDrained: left,
        measuredS: round(measuredS, 1),
        machineCoresBusy: round((machineBusyTicks() - machineBusy) / 100 / measuredS, 2),
        ...(gatewayMemory ? { gatewayMemory } : {}),
      }
      rows.push(row)
      say(`  ${load.requestsPerS} req/s, ${load.eventsPerS} items/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, landed ${row.e2e!.landedEventsPerS}/s, CPU µs per item ${JSON.stringify(row.cpuUsPerItem)}, statuses ${JSON.stringify(load.statusCounts)}`)
      return row
    }

    // 1. worker scaling: 1 worker, then WORKERS (the rest of the run uses WORKERS)
    let currentWorkers = 1
    await startGatewayProcess(1)
    await drive(-1, gatewayUrl, batchTraffic(poolFor(100, false, 0), false), { duration: 2, track: false }) // warm-up (JIT, connections)
    const oneWorker = await run('scaling: 1 worker', 100, false, 0, D.scaling)
    if (WORKERS !== 1) {
      currentWorkers = WORKERS
      await startGatewayProcess(WORKERS)
      await drive(-1, gatewayUrl, batchTraffic(poolFor(100, false, 0), false), { duration: 2, track: false })
    }
    // 2. the main scenario: sustained maximum at 100-event batches
    const main = await run(`main: max rate, ${WORKERS} workers`, 100, false, 0, D.main)
    // 3. the matrix
    const matrix: [number, boolean, number][] = QUICK
      ? [[1, false, 0], [10, false, 0], [500, false, 0], [100, true, 0.1]]
      : [1, 10, 100, 500].flatMap((b) => [false, true].flatMap((g) => [0, 0.1].map((inv) => [b, g, inv] as [number, boolean, number]))).filter(([b, g, inv]) => !(b === 100 && !g && inv === 0))
    for (const [b, g, inv] of matrix) await run(`matrix`, b, g, inv, D.other)
    // 4. steady rate at half the maximum (latency), then 2x overload (503s, memory)
    const maxReqPerS = main.load.requestsPerS
    const steady = await run('steady: half of max', 100, false, 0, D.steady, { overallRate: maxReqPerS / 2 })
    const overload = await run('overload: 2x max', 100, false, 0, D.overload, { overallRate: maxReqPerS * 2, connections: CONNECTIONS * 8 })
    // 4a. OTLP/HTTP protobuf traces at the maximum rate: 100 spans a request under 4 resources (the Collector comparison's body)
    const otlp = await run('otlp: /v1/traces protobuf, max rate', 100, false, 0, D.otlp, { traffic: otlpTraffic(otlpTraceTemplate()) })

    // 4b. Kafka compression codecs on the main scenario (gateway restarted per codec; the consumer decodes all)
    const codecs: ScenarioRow[] = []
    for (const codec of ['none', 'gzip', 'zstd', 'lz4']) {
      await startGatewayProcess(WORKERS, { KAFKA_COMPRESSION: codec })
      codecs.push(await run(`compression: ${codec}`, 100, false, 0, D.other))
    }

    // 5. ceilings, same run
    say('ceiling (a): bare Hono handler')
    const http = await httpCeiling(poolFor(100, false, 0), D.ceiling, WORKERS)
    say(`  ${http.requestsPerS} req/s, ${http.eventsPerS} events/s`)
    const payload = writePayloadFile(poolFor(100, false, 0))
    const records = Math.round(Math.min(3_000_000, Math.max(100_000, main.load.acceptedEvents)) / payload.eventsPerRecord)
    say(`ceiling (b): Kafka ProducerPerformance, ${records} records of ~${payload.meanBytes} bytes (${payload.eventsPerRecord} events each), acks=all, compression ${KAFKA_COMPRESSION}`)
    const brokerRecords = await brokerCeiling(records, payload.file, stackPids('kafka'))
    // per event, as every other figure: records/s × events per record, the broker's CPU ÷ events per record
    const broker = { ...brokerRecords, eventsPerRecord: payload.eventsPerRecord, eventsPerS: round(brokerRecords.recordsPerS * payload.eventsPerRecord), kafkaCpuUsPerEvent: round(brokerRecords.kafkaCpuUsPerRecord / payload.eventsPerRecord, 2) }
    say(`  ${broker.summary}`)

    // 6. exactly once: every acknowledged request's events are in ClickHouse, once
    say('checking every acknowledged event landed once')
    for (let i = 0; i < D.drainMax * 4 && [...acks.values()].some((a) => a.visibleAt === 0); i++) await sleep(250)
    await poller.stop()
    poller = null
    const landed = new Map<string, { n: number; distinct: number }>()
    const rs = await ch.query({ query: 'SELECT request_id, count(), uniqExact(backend_id) FROM events FINAL GROUP BY request_id UNION ALL SELECT request_id, count(), uniqExact(trace_id, span_id) FROM spans FINAL GROUP BY request_id', format: 'TabSeparated' })
    for (const line of (await rs.text()).split('\n')) {
      if (!line) continue
      const [id, n, d] = line.split('\t') as [string, string, string]
      landed.set(id, { n: Number(n), distinct: Number(d) })
    }
    let missing = 0
    let wrongCount = 0
    let ackedEvents = 0
    for (const [id, a] of acks) {
      ackedEvents += a.expected
      const l = landed.get(id)
      if (!l) missing++
      else if (l.n !== a.expected || l.distinct !== a.expected) wrongCount++
    }
    const unacked = [...landed.keys()].filter((id) => !acks.has(id)).length
    const totals = (await (await ch.query({ query: 'SELECT (SELECT count() FROM events), (SELECT count() FROM events FINAL), (SELECT uniqExact(backend_id) FROM events), (SELECT count() FROM spans FINAL), (SELECT uniqExact(trace_id, span_id) FROM spans)', format: 'TabSeparated' })).text()).trim().split('\t').map(Number)
    const partsNow = Number((await (await ch.query({ query: "SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active", format: 'TabSeparated' })).text()).trim())
    const exactlyOnce = { ackedRequests: acks.size, ackedEvents, missingRequests: missing, requestsWithWrongCount: wrongCount, landedRequestsNeverAcked: unacked, rowsOnDisk: totals[0], rowsFinal: totals[1], distinctBackendIds: totals[2], spanRowsFinal: totals[3], distinctSpanIds: totals[4], activePartsAtEnd: partsNow, ok: missing === 0 && wrongCount === 0 && totals[1] === totals[2] && totals[3] === totals[4] }

    // ---- report ----
    const mainProc = (row: ScenarioRow, n: string) => row.processes.find((p) => p.name === n)!
    const ratios = {
      gatewayOverBroker: round(main.load.eventsPerS / broker.eventsPerS, 3),
      landedOverGateway: round(main.e2e!.landedEventsPerS / main.load.eventsPerS, 3),
      gatewayOverHttp: round(main.load.eventsPerS / http.eventsPerS, 3),
      twoWorkersOverOne: round(main.load.eventsPerS / oneWorker.load.eventsPerS, 3),
      steadyP99OverP50: round(steady.load.latencyMs.p99 / Math.max(1, steady.load.latencyMs.p50), 2),
      overloadRssOverSustainable: round(mainProc(overload, 'gateway').peakRssMb / mainProc(main, 'gateway').peakRssMb, 3),
    }
    const cost = (row: ScenarioRow, n: string) => row.cpuUsPerItem[n] ?? 0
    const figure = (name: string, value: number, unit: string, target: number, atMost: boolean, kind: TargetKind) => ({ name, value, unit, kind, target: `${atMost ? '≤' : '≥'} ${target}`, met: atMost ? value <= target : value >= target })
    // issue 12's targets (CPU per item over the main scenario until its events were all visible)
    const costTargets = [
      figure('gateway CPU per acknowledged event (main)', cost(main, 'gateway'), 'µs', 20, true, 'gatewayCpu'),
      figure('consumer CPU per loaded row (main)', cost(main, 'consumer'), 'µs', 12, true, 'consumerCpu'),
      figure('end to end CPU per event: gateway + consumers + Kafka + ClickHouse (main)', cost(main, 'total'), 'µs', 50, true, 'totalCpu'),
      figure('acknowledged events/s, everything on this machine (main)', main.load.eventsPerS, 'events/s', 40_000, false, 'rate'),
      figure(`landed ÷ acknowledged over ${D.main} s (main)`, ratios.landedOverGateway, '', 0.9, false, 'landed'),
      figure('ack→visible p99 at the maximum rate (main)', main.e2e!.ackToVisibleMs.p99, 'ms', 3_000, true, 'visibleMain'),
      figure('ack→visible p99 at half the maximum rate (steady)', steady.e2e!.ackToVisibleMs.p99, 'ms', 1_500, true, 'visibleSteady'),
      figure('gateway peak RSS per worker at the maximum rate (main)', mainProc(main, 'gateway').peakRssMbPerProcess, 'MB', 250, true, 'rssMain'),
      figure('gateway peak RSS per worker at 2× overload', mainProc(overload, 'gateway').peakRssMbPerProcess, 'MB', 250, true, 'rssOverload'),
      figure('OTLP/HTTP protobuf: gateway CPU per span', cost(otlp, 'gateway'), 'µs', 15, true, 'otlpCpu'),
      figure('OTLP/HTTP protobuf: acknowledged spans/s', otlp.load.eventsPerS, 'spans/s', 100_000, false, 'otlpRate'),
    ]
    // under each miss: the measured limit and the profile that explains it (profiles are written when a process exits)
    if (PROFILE) for (const c of [...children]) await stopChild(c)
    const limitInputs: LimitInputs = {
      cores: os.availableParallelism(),
      main: scenarioCost(main),
      steady: scenarioCost(steady),
      otlp: scenarioCost(otlp),
      http: { eventsPerS: http.eventsPerS, cpuUsPerEvent: http.cpuUsPerEvent },
      broker: { eventsPerS: broker.eventsPerS, kafkaCpuUsPerEvent: broker.kafkaCpuUsPerEvent },
      memory: { main: main.gatewayMemory, overload: overload.gatewayMemory },
      profiles: PROFILE ? busiestProfiles(started) : {},
    }
    const limits = Object.fromEntries(costTargets.filter((t) => !t.met).map((t) => [targetLabel(t), limitOf(t.kind, limitInputs)]))
    const targets = {
      ...Object.fromEntries(costTargets.map((t) => [targetLabel(t), t.met])),
      'gateway events/s >= 0.25 x broker ceiling': ratios.gatewayOverBroker >= 0.25,
      [`landed >= 0.9 x gateway over ${D.main} s`]: ratios.landedOverGateway >= 0.9,
      'every acknowledged event landed once': exactlyOnce.ok,
      'p99 <= 5 x p50 at half the max rate': ratios.steadyP99OverP50 <= 5,
      'peak RSS at 2x overload <= 1.5 x sustainable': ratios.overloadRssOverSustainable <= 1.5,
    }
    const report = {
      mode: MODE,
      run: runTag,
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine: await machine(),
      settings: { gatewayWorkers: WORKERS, consumerWorkers: CONSUMER_WORKERS, connections: CONNECTIONS, kafkaCompression: KAFKA_COMPRESSION, partitions: PARTITIONS, eventBytes: eventSizes(), kafkaRecordMeanBytes: payload.meanBytes, kafkaEventsPerRecord: payload.eventsPerRecord, enrichedEventMeanBytes: payload.meanEventBytes, gatewayLogLevel: 'info', consumerLogLevel: 'debug (one line per insert, for the insert counts)' },
      scenarios: rows,
      ceilings: { http, broker },
      exactlyOnce,
      ratios,
      targets,
      limits,
      notes: [
        'The machine was shared with other jobs during the run: figures are noisy; ratios come from this one run.',
        'ack->visible: ClickHouse polled every 250 ms for rows inserted recently (inserted_at has second precision on 18.16, so it only bounds the window); a request counts as visible at the start of the first poll that sees all of its events. Resolution ~250 ms; figures are per request.',
        'landed events/s: acknowledged events of the scenario / (time the last of them was visible - scenario start).',
        'broker ceiling: ProducerPerformance with the gateway\'s own record values as payloads (its NDJSON records of an upload\'s events, KAFKA_RECORD_MAX_BYTES; no key, no headers), same acks and compression, on its own topic while the consumer was idle; events/s = records/s × events per record.',
      ],
    }
    const md = markdown(report)
    writeFileSync(`${resultsDir}/${MODE}.json`, JSON.stringify(report, null, 2) + '\n')
    writeFileSync(`${resultsDir}/${MODE}.md`, md)
    process.stdout.write(md)
    say(`wrote loadtest/results/${MODE}.json and ${MODE}.md; logs in ${logDir}`)
  } finally {
    await cleanup()
  }
}

async function machine() {
  const ver = async (q: string) => {
    try {
      return (await (await fetch(`${CLICKHOUSE_URL}/?query=${encodeURIComponent(q)}`)).text()).trim()
    } catch {
      return 'unknown'
    }
  }
  let commit = 'unknown'
  try {
    commit = (await promisify(execFile)('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])).stdout.trim()
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    clickhouse: await ver('SELECT version()'),
    kafka: env.STACK_KAFKA_VERSION ?? '4.4.0 (scripts/stack.sh)',
    loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
    commit,
    shared: 'yes: other jobs ran tests on this machine at the same time',
  }
}

function markdown(r: { [k: string]: unknown } & { scenarios: ScenarioRow[] }): string {
  const rep = r as unknown as { scenarios: ScenarioRow[]; mode: string; run: string; startedAt: string; durationS: number; machine: Record<string, unknown>; settings: Record<string, unknown>; ceilings: { http: LoadResult; broker: { recordsPerS: number; eventsPerS: number; eventsPerRecord: number; mbPerS: number; records: number; p99LatencyMs: number } }; exactlyOnce: Record<string, unknown>; ratios: Record<string, number>; targets: Record<string, boolean>; limits: Record<string, string[]>; notes: string[] }
  const proc = (row: ScenarioRow, n: string) => {
    const p = row.processes.find((x) => x.name === n)
    return p ? `${p.cpuSeconds} / ${p.peakRssMb}` : '-'
  }
  const lines = [
    `# Benchmark (${rep.mode}), ${rep.startedAt}`,
    '',
    `Machine: ${rep.machine.cpu}, ${rep.machine.cores} cores, ${rep.machine.memoryGb} GB, ${rep.machine.os}, Node ${rep.machine.node}, ClickHouse ${rep.machine.clickhouse}, Kafka ${rep.machine.kafka}, commit ${rep.machine.commit}. **Shared machine** (other jobs running): figures are noisy. Run took ${rep.durationS} s.`,
    '',
    `Settings: ${Object.entries(rep.settings).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}`,
    '',
    'CPU µs per item: each process\'s CPU from the scenario\'s start until all its acknowledged items were visible in ClickHouse, ÷ acknowledged items (events, or spans for otlp).',
    '',
    '| scenario | batch | body | invalid | workers | rate | req/s | items/s acked | p50 ms | p99 ms | p99.9 ms | non-2xx | landed items/s | ack→visible p50 / p99 ms | inserts/s (max in 1 s) | rows/insert | max active parts | CPU µs per item: gateway / consumer / kafka / clickhouse / **total** | gateway CPU s / peak RSS MB (per worker) | consumer CPU s / peak RSS MB | kafka CPU s / RSS MB | clickhouse CPU s / RSS MB |',
    '| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | ---: | ---: | --- | --- | --- | --- | --- |',
    ...rep.scenarios.map((s) => {
      const non2xx = Object.entries(s.load.statusCounts).filter(([k]) => !k.startsWith('2')).map(([k, v]) => `${v}×${k}`).join(' ') || '0'
      return `| ${s.name} | ${s.batch} | ${s.gzip ? 'gzip' : 'identity'} | ${s.invalidShare * 100}% | ${s.workers} | ${s.rate} | ${s.load.requestsPerS} | ${s.load.eventsPerS} | ${s.load.latencyMs.p50} | ${s.load.latencyMs.p99} | ${s.load.latencyMs.p99_9} | ${non2xx}${s.load.errors ? ` (${s.load.errors} errors)` : ''} | ${s.e2e?.landedEventsPerS ?? '-'} | ${s.e2e?.ackToVisibleMs.p50 ?? '-'} / ${s.e2e?.ackToVisibleMs.p99 ?? '-'} | ${s.inserts?.insertsPerS ?? '-'} (${s.inserts?.maxInsertsInOneSecond ?? '-'}) | ${s.inserts?.rowsPerInsert ?? '-'} | ${s.maxActiveParts ?? '-'} | ${s.cpuUsPerItem.gateway} / ${s.cpuUsPerItem.consumer} / ${s.cpuUsPerItem.kafka} / ${s.cpuUsPerItem.clickhouse} / **${s.cpuUsPerItem.total}** | ${proc(s, 'gateway')} (${s.processes.find((x) => x.name === 'gateway')?.peakRssMbPerProcess ?? '-'}) | ${proc(s, 'consumer')} | ${proc(s, 'kafka')} | ${proc(s, 'clickhouse')} |`
    }),
    '',
    '**Ceilings (same run)**',
    '',
    `- HTTP + JSON (bare Hono handler, 100-event bodies, same workers and connections): ${rep.ceilings.http.requestsPerS} req/s = ${rep.ceilings.http.eventsPerS} events/s, p99 ${rep.ceilings.http.latencyMs.p99} ms`,
    `- Broker (Kafka ProducerPerformance, ${rep.ceilings.broker.records} of the gateway's records, ${rep.ceilings.broker.eventsPerRecord} events each, acks=all): ${rep.ceilings.broker.recordsPerS} records/s = ${rep.ceilings.broker.eventsPerS} events/s (${rep.ceilings.broker.mbPerS} MB/s), p99 ${rep.ceilings.broker.p99LatencyMs} ms`,
    '',
    '**Ratios**',
    '',
    '| ratio | value |',
    '| --- | ---: |',
    `| gateway events/s ÷ broker ceiling | ${rep.ratios.gatewayOverBroker} |`,
    `| landed events/s ÷ gateway events/s | ${rep.ratios.landedOverGateway} |`,
    `| gateway events/s ÷ HTTP ceiling | ${rep.ratios.gatewayOverHttp} |`,
    `| ${String(rep.settings.gatewayWorkers)} workers ÷ 1 worker (events/s) | ${rep.ratios.twoWorkersOverOne} |`,
    `| p99 ÷ p50 at half the max rate | ${rep.ratios.steadyP99OverP50} |`,
    `| gateway peak RSS at 2× overload ÷ at max sustainable | ${rep.ratios.overloadRssOverSustainable} |`,
    '',
    `**Every acknowledged event landed once:** ${rep.exactlyOnce.ok ? 'yes' : 'NO'} — ${Object.entries(rep.exactlyOnce).filter(([k]) => k !== 'ok').map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '**Targets**',
    '',
    ...Object.entries(rep.targets).flatMap(([k, v]) => [`- ${v ? 'met' : 'MISSED'}: ${k}`, ...(rep.limits[k] ?? []).map((l) => `  - ${l}`)]),
    '',
    ...rep.notes.map((n) => `- ${n}`),
    '',
  ]
  return lines.join('\n')
}

main().catch((err) => {
  say(`failed: ${(err as Error).stack ?? err}`)
  process.exitCode = 1
})
