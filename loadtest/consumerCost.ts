// CPU per loaded row of the consumer (consumers/src/main.ts as deployed: one process), and ClickHouse's CPU per
// row beside it. A topic is filled once with N of the gateway's own Kafka records (generator → the real
// validate + enrich steps → the gateway's producer with its key, headers and KAFKA_COMPRESSION), then each run
// starts a consumer with its own group and database, and times it from joining the group until all N rows are
// in ClickHouse. The consumer's CPU is read from /proc at the moment it logs "consuming" (start-up, module
// loading and the migration are left out) and again when the last row is visible.
//   npm run bench:consumer [-- --rows 200000 --rounds 3 --profile] [-- variant ...]
// A variant is `label[@tree][,VAR=value...]`: the consumer of another code tree (e.g. an extracted older
// commit with node_modules linked) and/or extra environment; variants alternate within each round (A/B in one
// sitting). Default: one variant, `current`. The records are packed as the gateway packs them
// (KAFKA_RECORD_MAX_BYTES: NDJSON records of one key's items; 0 = one item per record): a variant's own
// KAFKA_RECORD_MAX_BYTES gets a topic filled in that format, e.g. `ndjson one-item,KAFKA_RECORD_MAX_BYTES=0`.
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, openSync, closeSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig } from '../common/config.ts'
import { createLogger } from '../common/logger.ts'
import { createPlatformaticEventProducer } from '../gateway/src/platformaticEventProducer.ts'
import { packRecords } from '../gateway/src/steps/packRecords.ts'
import { JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE } from '../common/recordFormat.ts'
import { eventType } from '../schemas/eventType.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback
}
const ROWS = option('rows', 200_000)
const ROUNDS = option('rounds', 3)
const PARTITIONS = option('partitions', 2)
const PROFILE = args.includes('--profile') ? (args.splice(args.indexOf('--profile'), 1), true) : false
const repo = new URL('../', import.meta.url).pathname
const stackHome = process.env.STACK_HOME ?? `${repo}.local`
const logDir = `${stackHome}/consumer-cost`
mkdirSync(logDir, { recursive: true })

type Variant = { label: string; tree: string; env: Record<string, string> }
const variants: Variant[] = (args.length ? args : ['current']).map((spec) => {
  const [head, ...vars] = spec.split(',')
  const [label, tree] = head!.split('@') as [string, string | undefined]
  return { label, tree: tree ? `${tree.replace(/\/$/, '')}/` : repo, env: Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])) }
})

const config = loadConfig()
const tag = `ccost${Date.now().toString(36)}`
// one topic per record format the variants read (KAFKA_RECORD_MAX_BYTES of the variant, else of this process)
const recordMaxBytesOf = (v: Variant) => Number(v.env.KAFKA_RECORD_MAX_BYTES ?? config.gateway.recordMaxBytes)
const topicTemplateOf = (v: Variant) => `${tag}_${recordMaxBytesOf(v)}.{category}`
const chUrl = config.clickhouse.url
const clickhousePid = Number(readFileSync(`${stackHome}/clickhouse/clickhouse.pid`, 'utf8').trim())
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000 // utime + stime in µs (USER_HZ 100)
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!

async function fillTopic(topic: string, recordMaxBytes: number) {
  const admin = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true })
  await admin.disconnect()
  const events = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))
  const contentType = recordMaxBytes > 0 ? NDJSON_CONTENT_TYPE : JSON_CONTENT_TYPE
  const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'consumer-cost', 'schema-version': '1', 'content-type': contentType }
  const producer = createPlatformaticEventProducer(config.kafka, createLogger('consumer-cost', 'error'), 30_000)
  let sent = 0
  const sendNext = async () => {
    while (sent < ROWS) {
      const n = Math.min(100, ROWS - sent)
      const start = sent
      sent += n
      // each event a new backend_id, as the gateway gives every event (the table collapses equal ids); the 100
      // of one upload packed as produceAccepted packs them
      const upload = Array.from({ length: n }, (_, i) => ({ ...events[(start + i) % events.length]!, backend_id: crypto.randomUUID() }))
      const records = packRecords(upload, (e) => eventType.partitionKey(e), recordMaxBytes)
      await producer.send(topic, records.map((r) => ({ ...r, headers })))
    }
  }
  await Promise.all(Array.from({ length: 8 }, sendNext))
  await producer.close()
}

function startConsumer(v: Variant, group: string, database: string): { proc: ChildProcess; log: string; consuming: Promise<void> } {
  const log = `${logDir}/${group}.log`
  const fd = openSync(log, 'w')
  const execArgv = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${logDir}/profiles-${v.label}`] : []
  const proc = spawn(process.execPath, [...execArgv, `${v.tree}consumers/src/main.ts`], {
    env: { ...process.env, TOPIC_TEMPLATE: topicTemplateOf(v), DEAD_LETTER_TOPIC: `${tag}_dlq`, CONSUMER_GROUP: group, CLICKHOUSE_DATABASE: database, LOG_LEVEL: 'info', SELF_METRICS_INTERVAL_MS: '0', SELF_TRACE_SAMPLE_RATIO: '0', ...v.env },
    stdio: ['ignore', 'pipe', fd],
  })
  closeSync(fd)
  const consuming = new Promise<void>((resolve, reject) => {
    let buf = ''
    proc.stdout!.on('data', (d: Buffer) => {
      // the log keeps stdout too (with LOG_LEVEL=debug: one line per loaded batch, its size)
      appendFileSync(log, d)
      buf += d.toString()
      if (buf.includes('"consuming"') || buf.includes('"consumer started"')) resolve()
      if (buf.length > 100_000) buf = buf.slice(-10_000)
    })
    proc.once('exit', (code) => reject(new Error(`consumer exited (${code}); log ${log}: ${buf.slice(-2000)}`)))
  })
  return { proc, log, consuming }
}

// polled without FINAL (a FINAL read every poll would be ClickHouse CPU the load did not cause); FINAL once at the end
async function countRows(database: string, final = ''): Promise<number> {
  const res = await fetch(`${chUrl}/?database=${database}&query=${encodeURIComponent(`SELECT count() FROM events ${final}`)}`)
  return res.ok ? Number((await res.text()).trim()) : 0
}

type Run = { consumerUsPerRow: number; clickhouseUsPerRow: number; rowsPerS: number }

async function run(v: Variant, round: number): Promise<Run> {
  const group = `${tag}-${v.label}-${round}`
  const database = `${tag}_${v.label.replace(/\W/g, '_')}_${round}`
  const c = startConsumer(v, group, database)
  try {
    await c.consuming
    const cpu0 = ticks(c.proc.pid!)
    const ch0 = ticks(clickhousePid)
    const t0 = performance.now()
    const deadline = Date.now() + 600_000
    let rows = 0
    while ((rows = await countRows(database)) < ROWS) {
      if (Date.now() > deadline) throw new Error(`only ${rows} of ${ROWS} rows after 10 min`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const wall = (performance.now() - t0) / 1000
    const r = { consumerUsPerRow: (ticks(c.proc.pid!) - cpu0) / ROWS, clickhouseUsPerRow: (ticks(clickhousePid) - ch0) / ROWS, rowsPerS: ROWS / wall }
    // exactly once in query results
    if ((rows = await countRows(database, 'FINAL')) !== ROWS) throw new Error(`${rows} rows for ${ROWS} records`)
    return r
  } finally {
    const exited = new Promise((r) => c.proc.once('exit', r))
    c.proc.kill('SIGTERM')
    await exited
    await fetch(`${chUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, { method: 'POST' })
  }
}

const formats = [...new Set(variants.map(recordMaxBytesOf))]
const topicOf = (recordMaxBytes: number) => `${tag}_${recordMaxBytes}.web`
for (const recordMaxBytes of formats) {
  process.stderr.write(`filling ${topicOf(recordMaxBytes)} (${PARTITIONS} partitions) with ${ROWS} gateway events, KAFKA_RECORD_MAX_BYTES=${recordMaxBytes}, compression ${config.kafka.compression}\n`)
  await fillTopic(topicOf(recordMaxBytes), recordMaxBytes)
}
const results = new Map<string, Run[]>(variants.map((v) => [v.label, []]))
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const r = await run(v, round)
      results.get(v.label)!.push(r)
      process.stderr.write(`round ${round + 1} ${v.label}: consumer ${r.consumerUsPerRow.toFixed(1)} µs/row, ClickHouse ${r.clickhouseUsPerRow.toFixed(1)} µs/row, ${Math.round(r.rowsPerS)} rows/s\n`)
    }
  }
} finally {
  const admin = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.deleteTopics({ topics: formats.map(topicOf) }).catch(() => {})
  await admin.disconnect()
}
const lines = [...results].map(([label, runs]) => {
  const each = runs.map((r) => r.consumerUsPerRow.toFixed(1)).join(' / ')
  return `| ${label} | ${median(runs.map((r) => r.consumerUsPerRow)).toFixed(1)} | ${median(runs.map((r) => r.clickhouseUsPerRow)).toFixed(1)} | ${Math.round(median(runs.map((r) => r.rowsPerS)))} | ${each} |`
})
process.stdout.write(`\n${ROWS} rows, ${PARTITIONS} partitions, medians of ${ROUNDS}\n| variant | consumer CPU µs per row | ClickHouse CPU µs per row | rows/s | consumer each round |\n| --- | ---: | ---: | ---: | --- |\n${lines.join('\n')}\n`)
if (PROFILE) process.stdout.write(`profiles: ${logDir}/profiles-<variant> (node loadtest/profileSummary.ts <file>)\n`)
