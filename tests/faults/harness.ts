// Shared machinery of the fault suite: a separate Kafka + ClickHouse (scripts/stack.sh with its own
// STACK_HOME and ports, so stopping, freezing and killing never touches the shared dev stack), gateway and
// consumers as real child processes (so SIGKILL / SIGTERM / SIGSTOP are real), a load driver that records
// every acknowledged backend_id, and the exactly-once check against ClickHouse and the broker's offsets.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
// registers the lz4 and zstd codecs (kafkajs ships gzip only): the gateway writes lz4 by default
import '../../common/kafka.ts'
import { expect } from 'vitest'
import { loadConfig, type Config } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'

import { faultStack, repoRoot } from './stack.ts'
import { recordItems } from '../../consumers/src/recordItems.ts'

const headersAsText = (headers: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]))

export { faultStack, kafkaPid, repoRoot, stack } from './stack.ts'
/** FAULTS_SHORT=1 (what `npm test` runs): fewer crashes, shorter load. */
export const short = process.env.FAULTS_SHORT === '1'

const logDir = `${faultStack.home}/logs`

// ---- one scenario's names and configuration ----------------------------------------------------------
export type Scenario = { name: string; id: string; env: Record<string, string>; config: Config; topicPrefix: string; appId: string }

/** The write key every fault-scenario gateway accepts (valid for every app). */
export const FAULTS_WRITE_KEY = `faults-${randomBytes(16).toString('hex')}`

export function scenario(name: string, extra: Record<string, string> = {}): Scenario {
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    KAFKA_BROKERS: `127.0.0.1:${faultStack.kafkaPort}`,
    CLICKHOUSE_URL: `http://127.0.0.1:${faultStack.clickhouseHttpPort}`,
    TOPIC_TEMPLATE: `f${id}.{category}`,
    DEAD_LETTER_TOPIC: `f${id}_dead_letter`,
    CONSUMER_GROUP: `f${id}`,
    CLICKHOUSE_DATABASE: `f_${id}`,
    CONSUMER_TOPIC_REFRESH_MS: '500',
    CONSUMER_BATCH_MAX_WAIT_MS: '200',
    CONSUMER_RETRY_MAX_MS: '2000',
    // a SIGKILLed member is noticed after this; the default 30 s would make each restart wait that long
    CONSUMER_SESSION_TIMEOUT_MS: '8000',
    // auth on, as by default, with this run's key; no rate limit (not what these scenarios test); one
    // gateway process, so its memory, signals and in-flight requests are the ones measured
    DEV_WRITE_KEY: FAULTS_WRITE_KEY,
    WRITE_KEYS_FILE: `/tmp/f${id}-keys.json`,
    RATE_LIMIT_REQUESTS_PER_SECOND: '0',
    GATEWAY_WORKERS: '1',
    PRODUCE_TIMEOUT_MS: '3000',
    RETRY_AFTER_SECONDS: '2',
    SHUTDOWN_GRACE_MS: '10000',
    LOG_LEVEL: 'info',
    // the checks read back every topic of the scenario as events: the pipeline's own metric points (on by
    // default) would be messages in Kafka that never reach the events table
    SELF_METRICS_INTERVAL_MS: '0',
    ...extra,
  }
  return { name, id, env, config: loadConfig(env), topicPrefix: `f${id}.`, appId: `app-${name}` }
}

// ---- child processes -------------------------------------------------------------------------------
export type Exit = { code: number | null; signal: NodeJS.Signals | null }

export class Proc {
  readonly child: ChildProcess
  readonly name: string
  readonly lines: string[] = []
  readonly exited: Promise<Exit>
  private waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = []

  constructor(component: 'gateway' | 'consumers', name: string, env: Record<string, string>) {
    mkdirSync(logDir, { recursive: true })
    this.name = name
    const out = createWriteStream(`${logDir}/${name}.log`, { flags: 'a' })
    this.child = spawn(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}${component}/src/main.ts`], {
      cwd: repoRoot,
      // the runner's environment (e.g. DEV_WRITE_KEY for the gateway) under the scenario's settings; a
      // crash point only where the scenario asks for one
      env: { ...process.env, FAULT_INJECT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buf = ''
    const onData = (chunk: Buffer) => {
      out.write(chunk)
      buf += chunk.toString('utf8')
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        this.lines.push(line)
        let parsed: Record<string, unknown> | null = null
        try {
          parsed = JSON.parse(line) as Record<string, unknown>
        } catch {
          continue
        }
        for (const w of [...this.waiters]) {
          if (w.match(parsed)) {
            this.waiters.splice(this.waiters.indexOf(w), 1)
            w.resolve(parsed)
          }
        }
      }
    }
    this.child.stdout!.on('data', onData)
    this.child.stderr!.on('data', onData)
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })))
    void this.exited.then(() => out.end())
  }

  get pid(): number {
    return this.child.pid!
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Resolves with the first log line (from now on) whose msg is `msg`; rejects on timeout or exit. */
  waitForLog(msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${msg}" log line within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({ match: (l) => l.msg === msg, resolve: (l) => (clearTimeout(timer), resolve(l)) })
      void this.exited.then((e) => {
        clearTimeout(timer)
        reject(new Error(`${this.name} exited (${e.code ?? e.signal}) before logging "${msg}"; tail:\n${this.lines.slice(-15).join('\n')}`))
      })
    })
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.includes(`"msg":"${msg}"`)).length
  }

  signal(sig: NodeJS.Signals) {
    if (this.running) this.child.kill(sig)
  }

  async stop(): Promise<Exit> {
    if (this.running) {
      this.child.kill('SIGCONT')
      this.child.kill('SIGTERM')
      const t = setTimeout(() => this.child.kill('SIGKILL'), 20_000)
      const e = await this.exited
      clearTimeout(t)
      return e
    }
    return this.exited
  }
}

export async function startGateway(s: Scenario, label = 'gateway', extra: Record<string, string> = {}): Promise<{ proc: Proc; url: string }> {
  const proc = new Proc('gateway', `${s.name}-${s.id}-${label}`, { ...s.env, ...extra })
  const line = await proc.waitForLog('listening')
  return { proc, url: `http://127.0.0.1:${line.port as number}` }
}

export async function startConsumer(s: Scenario, label: string, extra: Record<string, string> = {}): Promise<Proc> {
  const proc = new Proc('consumers', `${s.name}-${s.id}-${label}`, { ...s.env, ...extra })
  await proc.waitForLog('consumer started', 90_000)
  return proc
}

// ---- load ------------------------------------------------------------------------------------------
export type Answer = { status: number; startedAt: number; endedAt: number; retryAfter: string | null; error?: string }

/**
 * Posts batches from a few concurrent loops until stopped (loopback only, bounded by maxMs). Records every
 * acknowledged backend_id (parts with code 0 in 200/206 answers) and every answer's status and timing.
 */
export class LoadDriver {
  readonly acked = new Set<string>()
  readonly answers: Answer[] = []
  private running = false
  private loops: Promise<void>[] = []
  private seq = 0
  url: string
  private readonly opts: { appId: string; category: string; eventsPerBatch: number; concurrency: number; pauseMs: number; maxMs: number }

  constructor(url: string, opts: Partial<LoadDriver['opts']> & { appId: string }) {
    this.url = url
    this.opts = { category: 'web', eventsPerBatch: 10, concurrency: 3, pauseMs: 40, maxMs: 180_000, ...opts }
  }

  start(): this {
    this.running = true
    const until = Date.now() + this.opts.maxMs
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(this.loop(until))
    return this
  }

  async stop() {
    this.running = false
    await Promise.all(this.loops)
  }

  count(pred: (a: Answer) => boolean): number {
    return this.answers.filter(pred).length
  }

  private async loop(until: number) {
    while (this.running && Date.now() < until) {
      const n = ++this.seq
      const body = {
        meta: { app_id: this.opts.appId, category: this.opts.category, device_id: `d${n % 7}` },
        data: Array.from({ length: this.opts.eventsPerBatch }, (_, i) => ({ id: `e${n}-${i}`, name: 'fault_load', timestamp: Date.now(), properties: { n, i } })),
      }
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${FAULTS_WRITE_KEY}` }
      const startedAt = Date.now()
      try {
        const res = await fetch(`${this.url}/v1/batch`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) })
        const json = (await res.json()) as { parts?: { backend_id: string; code: number }[] }
        if (res.status === 200 || res.status === 206) for (const p of json.parts ?? []) if (p.code === 0) this.acked.add(p.backend_id)
        this.answers.push({ status: res.status, startedAt, endedAt: Date.now(), retryAfter: res.headers.get('retry-after') })
      } catch (err) {
        // no answer (gateway gone, connection reset): nothing was acknowledged
        this.answers.push({ status: 0, startedAt, endedAt: Date.now(), retryAfter: null, error: (err as Error).message })
        await sleep(100)
      }
      await sleep(this.opts.pauseMs)
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

// ---- Kafka and ClickHouse views --------------------------------------------------------------------
export function kafkaFor(s: Scenario): Kafka {
  return new Kafka({ clientId: `faults-${s.id}`, brokers: s.config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } })
}

export async function chQuery<T = Record<string, unknown>>(s: Scenario, sql: string): Promise<T[]> {
  const client = createClickHouse(s.config.clickhouse)
  try {
    const rs = await client.query({ query: sql, format: 'JSONEachRow' })
    return (await rs.json()) as T[]
  } finally {
    await client.close()
  }
}

export async function chCommand(s: Scenario, sql: string, database: string | null = s.config.clickhouse.database) {
  const client = createClickHouse(s.config.clickhouse, { database })
  try {
    await client.command({ query: sql })
  } finally {
    await client.close()
  }
}

export async function dropDatabase(s: Scenario) {
  await chCommand(s, `DROP DATABASE IF EXISTS \`${s.config.clickhouse.database}\``, null).catch(() => {})
}

/** Per partition of the scenario's event topics: the end offset (high watermark) and the group's commit. */
export async function offsets(s: Scenario) {
  const admin = kafkaFor(s).admin()
  await admin.connect()
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(s.topicPrefix))
    const out: { topic: string; partition: number; end: bigint; committed: bigint }[] = []
    const committed = await admin.fetchOffsets({ groupId: s.config.consumer.groupId, topics })
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const c = committed.find((x) => x.topic === topic)?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1'
        out.push({ topic, partition: p.partition, end: BigInt(p.high), committed: c === '-1' ? 0n : BigInt(c) })
      }
    }
    return out
  } finally {
    await admin.disconnect()
  }
}

export async function lag(s: Scenario): Promise<bigint> {
  return (await offsets(s)).reduce((sum, p) => sum + (p.end - p.committed), 0n)
}

/** The backend_ids of every item in the scenario's event topics below `upTo` (default: the end offsets); `messages` counts records. */
export async function readTopics(s: Scenario, upTo?: Map<string, bigint>): Promise<{ ids: string[]; messages: number; unparsable: number }> {
  const parts = await offsets(s)
  const limit = (t: string, p: number) => upTo?.get(`${t}/${p}`) ?? parts.find((x) => x.topic === t && x.partition === p)!.end
  const pending = parts.filter((p) => limit(p.topic, p.partition) > 0n)
  const ids: string[] = []
  let messages = 0
  let unparsable = 0
  if (pending.length === 0) return { ids, messages, unparsable }
  const consumer = kafkaFor(s).consumer({ groupId: `f${s.id}-reader-${randomBytes(3).toString('hex')}` })
  await consumer.connect()
  const done = new Set<string>()
  try {
    await consumer.subscribe({ topics: [...new Set(pending.map((p) => p.topic))], fromBeginning: true })
    let finish!: () => void
    const finished = new Promise<void>((r) => (finish = r))
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const key = `${topic}/${partition}`
        if (BigInt(message.offset) < limit(topic, partition)) {
          messages++
          // an NDJSON record holds several items: the loader's own split (consumers/src/recordItems.ts)
          for (const item of recordItems({ headers: headersAsText(message.headers), value: message.value })) {
            try {
              ids.push((JSON.parse(item!.toString('utf8')) as { backend_id: string }).backend_id)
            } catch {
              unparsable++
            }
          }
        }
        if (BigInt(message.offset) + 1n >= limit(topic, partition)) done.add(key)
        if (done.size === pending.length) finish()
      },
    })
    await Promise.race([finished, sleep(120_000).then(() => Promise.reject(new Error('reading the topics back took over 120 s')))])
  } finally {
    await consumer.disconnect()
  }
  return { ids, messages, unparsable }
}

// ---- the check --------------------------------------------------------------------------------------
export type Check = { acknowledged: number; inKafka: number; found: number; missing: number; duplicated: number; notInKafka: number; unloaded: number }

/**
 * Expected = what the gateway acknowledged, and what the broker holds (read back up to its end offsets),
 * never the table itself. Found / duplicated come from `source` (default: `events FINAL`, as queries read).
 */
export async function check(s: Scenario, acked: Set<string>, opts: { source?: string; deadLettered?: Set<string>; drainMs?: number } = {}): Promise<Check> {
  const source = opts.source ?? 'events FINAL'
  const kafka = await readTopics(s)
  // messages expected in the dead-letter topic instead (checked by the scenario) are not expected in the table
  const inKafka = new Set(kafka.ids.filter((id) => !opts.deadLettered?.has(id)))
  const loadable = inKafka.size
  // wait until the consumers have loaded everything the broker holds (or give up and report what is missing)
  await waitFor('the consumers to load every message', async () => {
    const [r] = await chQuery<{ n: string }>(s, `SELECT uniqExact(backend_id) AS n FROM events FINAL`)
    return Number(r!.n) >= loadable
  }, opts.drainMs ?? 180_000, 1000).catch(() => {})
  const rows = await chQuery<{ b: string }>(s, `SELECT toString(backend_id) AS b FROM ${source}`)
  const seen = new Map<string, number>()
  for (const r of rows) seen.set(r.b, (seen.get(r.b) ?? 0) + 1)
  let found = 0
  let missing = 0
  for (const id of acked) if (seen.has(id)) found++
  else missing++
  let duplicated = 0
  for (const c of seen.values()) duplicated += c - 1
  let notInKafka = 0
  for (const id of seen.keys()) if (!inKafka.has(id)) notInKafka++
  let unloaded = 0
  for (const id of inKafka) if (!seen.has(id)) unloaded++
  return { acknowledged: acked.size, inKafka: inKafka.size, found, missing, duplicated, notInKafka, unloaded }
}

export function report(name: string, c: Check, note = '') {
  const line = `scenario ${name}: acknowledged ${c.acknowledged}, found ${c.found}, missing ${c.missing}, duplicated ${c.duplicated}` +
    ` (in Kafka ${c.inKafka}, loaded but not in Kafka ${c.notInKafka}, in Kafka but not loaded ${c.unloaded})${note ? `; ${note}` : ''}`
  console.log(line)
  mkdirSync(logDir, { recursive: true })
  createWriteStream(`${logDir}/summary.txt`, { flags: 'a' }).end(`${new Date().toISOString()} ${line}\n`)
}

/** The assertions every scenario ends with. */
export function expectExactlyOnce(c: Check) {
  expect(c.acknowledged).toBeGreaterThan(0)
  expect(c.missing).toBe(0)
  expect(c.duplicated).toBe(0)
  expect(c.found).toBe(c.acknowledged)
  expect(c.notInKafka).toBe(0)
  expect(c.unloaded).toBe(0)
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

export type DeadLetterSeen = { reason: string; stage: string; source: string; value: string; itemIndex: string }

/** Reads the scenario's dead-letter topic from its beginning until `n` messages arrived. */
export async function readDeadLetters(s: Scenario, n: number, timeoutMs = 90_000): Promise<DeadLetterSeen[]> {
  const kafka = kafkaFor(s)
  await waitFor('the dead-letter topic', async () => {
    const a = kafka.admin()
    await a.connect()
    try {
      return (await a.listTopics()).includes(s.config.consumer.deadLetterTopic)
    } finally {
      await a.disconnect()
    }
  }, timeoutMs)
  const seen: DeadLetterSeen[] = []
  const reader = kafka.consumer({ groupId: `f${s.id}-dlq-${randomBytes(3).toString('hex')}` })
  await reader.connect()
  try {
    await reader.subscribe({ topic: s.config.consumer.deadLetterTopic, fromBeginning: true })
    await reader.run({
      eachMessage: async ({ message }) => {
        const h = (k: string) => message.headers?.[k]?.toString() ?? ''
        seen.push({ reason: h('dlq-reason'), stage: h('dlq-stage'), source: `${h('dlq-source-topic')}/${h('dlq-source-partition')}`, itemIndex: h('dlq-item-index'), value: message.value?.toString() ?? '' })
      },
    })
    await waitFor(`${n} dead letters`, async () => seen.length >= n, timeoutMs)
    await sleep(1000) // more than expected would show here
  } finally {
    await reader.disconnect()
  }
  return seen
}
