// CPU per event of the gateway's own EventProducer implementations (kafkajs, @platformatic/kafka) for each
// Kafka codec, against the running broker: the gateway's serialized events (generator → validate → enrich)
// in 100-message sends with the gateway's headers, 8 sends in flight, acks=-1. Process CPU (user + system,
// including libuv's threads) ÷ events is far steadier on a shared machine than events/s.
//   npm run bench:producer            (after npm run stack:up; about a minute)
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig, type KafkaConfig } from '../common/config.ts'
import { createLogger } from '../common/logger.ts'
import type { EventProducer, OutgoingMessage } from '../gateway/src/eventProducer.ts'
import { createKafkaEventProducer } from '../gateway/src/kafkajsEventProducer.ts'
import { createPlatformaticEventProducer } from '../gateway/src/platformaticEventProducer.ts'
import { eventType } from '../schemas/eventType.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const SENDS = 300
const IN_FLIGHT = 8
const ROUNDS = Number(process.env.PRODUCER_COST_ROUNDS ?? 3)
const config = loadConfig({ ...process.env, KAFKA_LINGER_MS: '0' })
const log = createLogger('producer-cost', 'error')
const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'producer-cost', 'schema-version': '1', 'content-type': 'application/json' }

// 100-message sends, as the gateway makes them for 100-event uploads
const events = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))
const batches: OutgoingMessage[][] = []
for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100).map((e) => ({ key: eventType.partitionKey(e), value: JSON.stringify(e), headers })))

const topic = `producercost${Date.now().toString(36)}`
const admin = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })

const clients = { kafkajs: createKafkaEventProducer, platformatic: createPlatformaticEventProducer }
const codecs: KafkaConfig['compression'][] = ['none', 'lz4', 'zstd', 'gzip']
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!

async function measure(producer: EventProducer): Promise<{ cpuUsPerEvent: number; eventsPerS: number }> {
  for (let i = 0; i < 20; i++) await producer.send(topic, batches[i % batches.length]!) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  let events = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < SENDS) {
        const batch = batches[next++ % batches.length]!
        await producer.send(topic, batch)
        events += batch.length
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return { cpuUsPerEvent: (cpu.user + cpu.system) / events, eventsPerS: (events / (performance.now() - t0)) * 1000 }
}

const rows: string[] = []
try {
  for (const [name, create] of Object.entries(clients)) {
    for (const compression of codecs) {
      const runs: { cpuUsPerEvent: number; eventsPerS: number }[] = []
      const producer = create({ ...config.kafka, compression }, log, 10_000)
      try {
        for (let r = 0; r < ROUNDS; r++) runs.push(await measure(producer))
      } finally {
        await producer.close()
      }
      const row = `| ${name} | ${compression} | ${median(runs.map((r) => r.cpuUsPerEvent)).toFixed(1)} | ${Math.round(median(runs.map((r) => r.eventsPerS)))} | ${runs.map((r) => r.cpuUsPerEvent.toFixed(1)).join(' / ')} |`
      rows.push(row)
      process.stderr.write(`${row}\n`)
    }
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
}
process.stdout.write(`\n| client | codec | CPU µs per event (median of ${ROUNDS}) | events/s (median) | each round |\n| --- | --- | ---: | ---: | --- |\n${rows.join('\n')}\n`)
