// Fetch + decode CPU per message of the two Kafka clients the consumer could use, nothing loaded: kafkajs'
// consumer group (eachBatch, as kafkaSource.ts uses it) against @platformatic/kafka's Consumer (its
// MessagesStream, one object per message). Same topic of the gateway's own records (lz4, its headers), same
// fetch sizes; the CPU of this process from the first message to the last, rounds alternating.
//   npm run bench:consumer-clients     (after npm run stack:up; about a minute)
import { Consumer } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { createKafkaClient } from '../common/kafka.ts'
import { loadConfig } from '../common/config.ts'
import { createLogger } from '../common/logger.ts'
import { createPlatformaticEventProducer } from '../gateway/src/platformaticEventProducer.ts'
import { eventType } from '../schemas/eventType.ts'
import { gatewayEvents } from './gatewayEvents.ts'
import { bodyPool } from './generator.ts'

const N = Number(process.env.CONSUMER_CLIENTS_MESSAGES ?? 100_000)
const ROUNDS = Number(process.env.CONSUMER_CLIENTS_ROUNDS ?? 3)
const FETCH = { maxBytesPerPartition: 4 * 1024 * 1024, minBytes: 1024 * 1024, maxWait: 1_000 }
const config = loadConfig()
const log = createLogger('consumer-clients', 'error')
const topic = `consumerclients${Date.now().toString(36)}`
const admin = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })

const events = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 }))
const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'consumer-clients', 'schema-version': '1', 'content-type': 'application/json' }
const producer = createPlatformaticEventProducer(config.kafka, log, 30_000)
let sent = 0
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (sent < N) {
      const start = sent
      sent += 100
      await producer.send(topic, Array.from({ length: Math.min(100, N - start) }, (_, i) => ({ key: eventType.partitionKey(events[(start + i) % events.length]!), value: JSON.stringify(events[(start + i) % events.length]), headers })))
    }
  }),
)
await producer.close()

// what the loader reads of each message: the value's bytes and the headers as text
let touched = 0
const cpuPerMessage = (from: NodeJS.CpuUsage, n: number) => {
  const u = process.cpuUsage(from)
  return (u.user + u.system) / n
}

async function kafkajsRound(round: number): Promise<number> {
  const c = createKafkaClient(config.kafka, log).consumer({ groupId: `${topic}-kafkajs-${round}`, maxBytesPerPartition: FETCH.maxBytesPerPartition, minBytes: FETCH.minBytes, maxWaitTimeInMs: FETCH.maxWait })
  await c.connect()
  await c.subscribe({ topics: [topic], fromBeginning: true })
  let n = 0
  let cpu0: NodeJS.CpuUsage | null = null
  const result = await new Promise<number>((resolve) => {
    void c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        cpu0 ??= process.cpuUsage()
        for (const m of batch.messages) {
          touched += m.value!.length
          for (const k in m.headers) touched += String(m.headers[k]).length
          if (++n === N) resolve(cpuPerMessage(cpu0, n))
        }
      },
    })
  })
  await c.disconnect()
  return result
}

async function platformaticRound(round: number): Promise<number> {
  const c = new Consumer({ clientId: config.kafka.clientId, bootstrapBrokers: config.kafka.brokers, groupId: `${topic}-platformatic-${round}`, maxBytesPerPartition: FETCH.maxBytesPerPartition, minBytes: FETCH.minBytes, maxWaitTime: FETCH.maxWait })
  const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  let n = 0
  let cpu0: NodeJS.CpuUsage | null = null
  const result = await new Promise<number>((resolve) => {
    stream.on('data', (m) => {
      cpu0 ??= process.cpuUsage()
      touched += m.value.length
      for (const [k, v] of m.headers) touched += k.toString().length + v.toString().length
      if (++n === N) resolve(cpuPerMessage(cpu0, n))
    })
  })
  await stream.close()
  await c.close(true)
  return result
}

const runs = { kafkajs: [] as number[], platformatic: [] as number[] }
try {
  for (let round = 0; round < ROUNDS; round++) {
    runs.kafkajs.push(await kafkajsRound(round))
    runs.platformatic.push(await platformaticRound(round))
    process.stderr.write(`round ${round + 1}: kafkajs ${runs.kafkajs[round]!.toFixed(2)} µs, @platformatic/kafka ${runs.platformatic[round]!.toFixed(2)} µs per message\n`)
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
process.stdout.write(`\n${N} messages (${touched > 0 ? 'values and headers read' : ''}), medians of ${ROUNDS}\n| client | fetch + decode CPU µs per message | each round |\n| --- | ---: | --- |\n`)
for (const [name, xs] of Object.entries(runs)) process.stdout.write(`| ${name} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(' / ')} |\n`)
