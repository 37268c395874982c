// Both gateway producers (KAFKA_PRODUCER_CLIENT) against the real broker: what send() resolving means (the
// messages are in Kafka with their key and headers), the same key → partition placement whichever client
// runs, and a broker that cannot be reached (send rejects, not ready, close still returns).
import { afterAll, describe, expect, it } from 'vitest'
import type { EventProducer, OutgoingMessage } from '../../gateway/src/eventProducer.ts'
import { createKafkaEventProducer } from '../../gateway/src/kafkajsEventProducer.ts'
import { createPlatformaticEventProducer } from '../../gateway/src/platformaticEventProducer.ts'
import { integrationConfig, runId, testKafka, testLogger, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const clients = { kafkajs: createKafkaEventProducer, platformatic: createPlatformaticEventProducer } as const
const producers: EventProducer[] = []
afterAll(async () => {
  await Promise.allSettled(producers.map((p) => p.close()))
})

type Seen = { key: string; value: string; partition: number; headers: Record<string, string> }

async function readTopic(topic: string, expected: number): Promise<Seen[]> {
  const kafka = testKafka(config)
  const consumer = kafka.consumer({ groupId: `${topic}-reader` })
  const seen: Seen[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))
        seen.push({ key: message.key!.toString(), value: message.value!.toString(), partition, headers })
      },
    })
    await waitFor(`${expected} messages on ${topic}`, async () => seen.length >= expected, 60_000)
  } finally {
    await consumer.disconnect()
  }
  return seen
}

const messages: OutgoingMessage[] = Array.from({ length: 40 }, (_, i) => ({
  key: i % 4 === 0 ? `app-${i}` : `app-${i % 5}/device-${i}`,
  value: JSON.stringify({ n: i }),
  headers: { 'x-request-id': `r${i}`, 'schema-version': '1' },
}))

describe('gateway producer clients against the real broker', () => {
  const placed: Record<string, Map<string, number>> = {}

  it.each(Object.keys(clients) as (keyof typeof clients)[])('%s: once send resolves, every message is in Kafka with its key and headers', async (name) => {
    const producer = clients[name](config.kafka, testLogger(`producer-${name}`).log, 3_000)
    producers.push(producer)
    const topic = `it${id}.producer-${name}`
    await producer.send(topic, messages.slice(0, 25))
    await producer.send(topic, messages.slice(25))
    expect(await producer.isReady()).toBe(true)

    const seen = await readTopic(topic, messages.length)
    expect(seen.map(({ key, value, headers }) => ({ key, value, headers })).sort((a, b) => a.value.localeCompare(b.value))).toEqual(
      messages.map(({ key, value, headers }) => ({ key, value, headers })).sort((a, b) => a.value.localeCompare(b.value)),
    )
    // one key, one partition (the order of a device's events)
    const byKey = new Map<string, number>()
    for (const s of seen) {
      expect(byKey.get(s.key) ?? s.partition, s.key).toBe(s.partition)
      byKey.set(s.key, s.partition)
    }
    expect(new Set(byKey.values()).size).toBeGreaterThan(1) // the keys do spread over the topic's partitions
    placed[name] = byKey
  })

  it('both clients put each key on the same partition', () => {
    expect(placed.kafkajs?.size).toBeGreaterThan(0)
    expect(placed.platformatic).toEqual(placed.kafkajs)
  })

  // What either gateway client compresses, the consumers' kafkajs (codecs registered in common/kafka.ts) reads.
  it.each(['none', 'gzip', 'zstd', 'lz4'] as const)('KAFKA_COMPRESSION=%s: what both clients write, the consumer side reads back intact', async (compression) => {
    const topic = `it${id}.codec-${compression}`
    const value = (client: string, i: number) => JSON.stringify({ client, i, text: 'checkout completed '.repeat(20 + i) })
    for (const name of Object.keys(clients) as (keyof typeof clients)[]) {
      const producer = clients[name]({ ...config.kafka, compression }, testLogger(`producer-${name}-${compression}`).log, 3_000)
      producers.push(producer)
      await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `app/${i}`, value: value(name, i), headers: {} })))
    }
    const seen = await readTopic(topic, 20)
    expect(seen.map((s) => s.value).sort()).toEqual(Object.keys(clients).flatMap((name) => Array.from({ length: 10 }, (_, i) => value(name, i))).sort())
  })

  // KAFKA_PRODUCER_LANES: several idempotent producers with requests in flight at once; each key stays on
  // one of them, so a device's events keep the order of their sends on their partition.
  it('platformatic with 4 lanes and 24 uploads in flight: every message lands once, each key in send order', async () => {
    const producer = createPlatformaticEventProducer({ ...config.kafka, lingerMs: 1 }, testLogger('producer-lanes').log, 5_000, { lanes: 4 })
    producers.push(producer)
    const topic = `it${id}.producer-lanes`
    const uploads = Array.from({ length: 24 }, (_, u) => Array.from({ length: 25 }, (_, i) => ({ key: `app/device-${(u + i) % 9}`, value: JSON.stringify({ u, i }), headers: { 'x-request-id': `u${u}` } })))
    // each upload is sent after the previous one started: the send order is the upload order
    await Promise.all(uploads.map((upload) => producer.send(topic, upload)))
    const seen = await readTopic(topic, 600)
    expect(seen).toHaveLength(600)
    expect(new Set(seen.map((s) => s.value)).size).toBe(600)
    const order = (s: Seen) => {
      const { u, i } = JSON.parse(s.value) as { u: number; i: number }
      return u * 100 + i
    }
    for (let d = 0; d < 9; d++) {
      const ofKey = seen.filter((s) => s.key === `app/device-${d}`).map(order) // consumed in partition order
      expect(ofKey.length).toBeGreaterThan(0)
      expect(ofKey).toEqual(ofKey.slice().sort((a, b) => a - b))
    }
  })

  it.each(Object.keys(clients) as (keyof typeof clients)[])('%s: with no broker at the address, send rejects, isReady is false and close returns', async (name) => {
    // a port nobody listens on: refused at once, nothing of the shared broker is touched
    const producer = clients[name]({ ...config.kafka, brokers: ['127.0.0.1:1'] }, testLogger(`producer-${name}-down`).log, 1_000)
    await expect(producer.send(`it${id}.nowhere`, messages.slice(0, 1))).rejects.toThrow()
    expect(await producer.isReady()).toBe(false)
    await producer.close()
  })
})
