// Produce pipelining, A/B in one sitting: the gateway's @platformatic/kafka EventProducer as a gateway worker
// drives it (16 uploads in flight, 100-event uploads with the gateway's headers, KAFKA_LINGER_MS=2, lz4,
// acks=-1) with 1, 2 and 4 lanes (KAFKA_PRODUCER_LANES), and optionally another implementation of the same
// module for comparison (PRODUCER_LANES_BASELINE=/path/to/platformaticEventProducer.ts, e.g. main's).
// Rounds are interleaved (A B C A B C ...) so the shared machine's drift hits every variant alike.
// Process CPU (user + system) ÷ events, and events/s; medians of PRODUCER_LANES_ROUNDS (default 5). With
// PRODUCER_LANES_BROKER_PID (the local broker's pid) the broker's CPU per event too: more, smaller requests
// cost the broker more.
// Uploads are packed into records as produceAccepted packs them (KAFKA_RECORD_MAX_BYTES); with
// PRODUCER_LANES_RECORD_MAX_BYTES=0,65536 (a list) the variants are those record formats at KAFKA_PRODUCER_LANES
// lanes instead of 1, 2 and 4 lanes. "event" is an item, whatever the records holding it.
//   npm run bench:producer-lanes        (after npm run stack:up; about a minute)
import { readFileSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig } from '../common/config.ts'
import { createLogger } from '../common/logger.ts'
import type { EventProducer, OutgoingMessage } from '../gateway/src/eventProducer.ts'
import { createPlatformaticEventProducer } from '../gateway/src/platformaticEventProducer.ts'
import { eventType } from '../schemas/eventType.ts'
import { packRecords } from '../gateway/src/steps/packRecords.ts'
import { JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE } from '../common/recordFormat.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const SENDS = Number(process.env.PRODUCER_LANES_SENDS ?? 400)
const IN_FLIGHT = Number(process.env.PRODUCER_LANES_IN_FLIGHT ?? 16)
const ROUNDS = Number(process.env.PRODUCER_LANES_ROUNDS ?? 5)
const config = loadConfig({ ...process.env, KAFKA_LINGER_MS: process.env.KAFKA_LINGER_MS ?? '2', KAFKA_COMPRESSION: process.env.KAFKA_COMPRESSION ?? 'lz4' })
const log = createLogger('producer-lanes', 'error')

// 100-event uploads, each with its own headers object, packed into records (as produceAccepted makes them)
const events = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))
type Upload = { records: OutgoingMessage[]; items: number }
function packedUploads(recordMaxBytes: number): Upload[] {
  const uploads: Upload[] = []
  for (let i = 0; i < events.length; i += 100) {
    const contentType = recordMaxBytes > 0 ? NDJSON_CONTENT_TYPE : JSON_CONTENT_TYPE
    const headers = { traceparent: `00-0af7651916cd43dd8448eb211c80${String(i).padStart(4, '0')}-b7ad6b7169203331-01`, 'x-request-id': `lanes-${i}`, 'schema-version': '1', 'content-type': contentType }
    const upload = events.slice(i, i + 100)
    uploads.push({ records: packRecords(upload, (e) => eventType.partitionKey(e), recordMaxBytes).map((r) => ({ ...r, headers })), items: upload.length })
  }
  return uploads
}

type Variant = { name: string; create: () => EventProducer; uploads: Upload[] }
const recordFormats = (process.env.PRODUCER_LANES_RECORD_MAX_BYTES ?? String(config.gateway.recordMaxBytes)).split(',').map(Number)
const variants: Variant[] =
  recordFormats.length === 1
    ? [1, 2, 4].map((lanes) => ({ name: `lanes=${lanes}`, create: () => createPlatformaticEventProducer(config.kafka, log, 10_000, { lanes }), uploads: packedUploads(recordFormats[0]!) }))
    : recordFormats.map((bytes) => ({ name: `lanes=${config.kafka.producerLanes}, KAFKA_RECORD_MAX_BYTES=${bytes}`, create: () => createPlatformaticEventProducer(config.kafka, log, 10_000), uploads: packedUploads(bytes) }))
if (process.env.PRODUCER_LANES_BASELINE) {
  const baseline = (await import(process.env.PRODUCER_LANES_BASELINE)) as { createPlatformaticEventProducer: typeof createPlatformaticEventProducer }
  variants.unshift({ name: 'baseline', create: () => baseline.createPlatformaticEventProducer(config.kafka, log, 10_000), uploads: packedUploads(recordFormats[0]!) })
}

const topic = `producerlanes${Date.now().toString(36)}`
const admin = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!

const brokerPid = process.env.PRODUCER_LANES_BROKER_PID
/** The broker's user + system CPU in µs (clock ticks of 10 ms), or 0 without a pid. */
function brokerCpuUs(): number {
  if (!brokerPid) return 0
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

type Run = { cpuUsPerEvent: number; eventsPerS: number; brokerUsPerEvent: number }
async function measure(producer: EventProducer, uploads: Upload[]): Promise<Run> {
  await Promise.all(uploads.slice(0, 20).map((u) => producer.send(topic, u.records))) // warm-up
  const broker0 = brokerCpuUs()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  let sent = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < SENDS) {
        const upload = uploads[next++ % uploads.length]!
        await producer.send(topic, upload.records)
        sent += upload.items
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return { cpuUsPerEvent: (cpu.user + cpu.system) / sent, eventsPerS: (sent / (performance.now() - t0)) * 1000, brokerUsPerEvent: (brokerCpuUs() - broker0) / sent }
}

const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]))
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      const producer = v.create()
      try {
        const run = await measure(producer, v.uploads)
        runs.get(v.name)!.push(run)
        process.stderr.write(`round ${r + 1} ${v.name}: ${run.cpuUsPerEvent.toFixed(1)} µs/event, ${Math.round(run.eventsPerS)} events/s, broker ${run.brokerUsPerEvent.toFixed(1)} µs/event\n`)
      } finally {
        await producer.close()
      }
    }
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
}
const rows = variants.map((v) => {
  const rs = runs.get(v.name)!
  return `| ${v.name} | ${median(rs.map((x) => x.cpuUsPerEvent)).toFixed(1)} | ${Math.round(median(rs.map((x) => x.eventsPerS)))} | ${brokerPid ? median(rs.map((x) => x.brokerUsPerEvent)).toFixed(1) : '-'} | ${rs.map((x) => x.cpuUsPerEvent.toFixed(1)).join(' / ')} |`
})
process.stdout.write(
  `\n${IN_FLIGHT} uploads in flight, ${SENDS} uploads of 100 events per round, linger ${config.kafka.lingerMs} ms, ${config.kafka.compression}\n\n| producer | CPU µs per event (median of ${ROUNDS}) | events/s (median) | broker CPU µs per event (median) | each round |\n| --- | ---: | ---: | ---: | --- |\n${rows.join('\n')}\n`,
)
