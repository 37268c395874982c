// Real HTTP → real Kafka → real consumer → real ClickHouse.
import { describe, expect, it } from 'vitest'
import { Partitioners } from 'kafkajs'
import { batchExamples } from '../../schemas/examples/index.ts'
import { startConsumer } from '../../consumers/src/consumer.ts'
import { recordItems } from '../../consumers/src/recordItems.ts'
import { countRows, integrationConfig, pipelineForTests, postJson, queryRows, runId, testKafka, testLogger, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const gatewayLog = testLogger('gateway')
const consumerLog = testLogger('consumer')
const running = pipelineForTests(config, { gateway: gatewayLog, consumer: consumerLog })

const mixed = batchExamples().find((e) => e.file === 'mixed-batch.json')!
const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
type Row = { backend_id: string; event_id: string; country: string; region: string; city: string; ip: string; n: string }

const countFinal = (where = '1') => countRows(config, `SELECT count() AS n FROM events FINAL WHERE ${where}`)
const countRaw = (where = '1') => countRows(config, `SELECT count() AS n FROM events WHERE ${where}`)

describe('a batch mixing valid and invalid events', () => {
  let accepted: { id: string; backend_id: string }[] = []

  it('gets 206 and one part per event in request order', async () => {
    const res = await postJson(`${running.gateway.url}/v1/batch`, mixed.request, {
      traceparent: `00-${clientTrace}-00f067aa0ba902b7-01`,
      'x-request-id': `it-${id}`,
    })
    expect(res.status).toBe(206)
    expect(res.headers.get('x-request-id')).toBe(`it-${id}`)
    expect(res.body.code).toBe(1)
    expect(res.body.parts.map((p) => p.code)).toEqual(mixed.expect.parts)
    accepted = res.body.parts.filter((p) => p.code === 0)
    expect(accepted.length).toBe(2)
  })

  it('lands exactly the accepted events in ClickHouse, once, with geo', async () => {
    const rows = await waitFor(
      'accepted rows in ClickHouse',
      async () => {
        const r = await queryRows<Row>(config, `SELECT toString(backend_id) AS backend_id, event_id, country, region, city, ip FROM events FINAL WHERE app_id = 'shop-web' ORDER BY event_id`)
        return r.length >= accepted.length ? r : null
      },
    )
    // none lost, none extra
    expect(rows.map((r) => r.backend_id).sort()).toEqual(accepted.map((p) => p.backend_id).sort())
    expect(await countRaw(`app_id = 'shop-web'`)).toBe(accepted.length)
    const byEvent = Object.fromEntries(rows.map((r) => [r.event_id, r]))
    expect(byEvent['m-1']).toMatchObject({ ip: '81.2.69.142', country: 'GB' })
    expect(byEvent['m-6']).toMatchObject({ ip: '2001:4860:4860::8888', country: 'US' })
  })

  it('wrote Kafka messages whose traceparent continues the client trace with the gateway span', async () => {
    const kafka = testKafka(config)
    const reader = kafka.consumer({ groupId: `it${id}-reader` })
    const seen: { traceparent: string; requestId: string; schemaVersion: string; contentType: string; items: number }[] = []
    await reader.connect()
    await reader.subscribe({ topic: `it${id}.web`, fromBeginning: true })
    await reader.run({
      eachMessage: async ({ message }) => {
        const contentType = message.headers?.['content-type']?.toString() ?? ''
        seen.push({
          traceparent: message.headers?.traceparent?.toString() ?? '',
          requestId: message.headers?.['x-request-id']?.toString() ?? '',
          schemaVersion: message.headers?.['schema-version']?.toString() ?? '',
          contentType,
          items: recordItems({ headers: { 'content-type': contentType }, value: message.value }).length,
        })
      },
    })
    // the two valid events of one key: one NDJSON record holding both
    await waitFor('two items', async () => seen.reduce((n, m) => n + m.items, 0) >= 2, 30_000)
    await reader.disconnect()
    expect(seen.map((m) => [m.contentType, m.items])).toEqual([['application/x-ndjson', 2]])
    for (const m of seen) {
      expect(m.traceparent).toMatch(new RegExp(`^00-${clientTrace}-[0-9a-f]{16}-01$`))
      expect(m.traceparent).not.toContain('00f067aa0ba902b7')
      expect(m.requestId).toBe(`it-${id}`)
      expect(m.schemaVersion).toBe('1')
    }
    // all messages of one request carry the same gateway span
    expect(new Set(seen.map((m) => m.traceparent)).size).toBe(1)
  })
})

describe('the consumer', () => {
  it('picks up a new category topic and loads it from its first event', async () => {
    const first = batchExamples().find((e) => e.file === 'node-service-batch.json')!
    const res = await postJson(`${running.gateway.url}/v1/batch`, first.request)
    expect(res.status).toBe(200)
    await waitFor('node.runtime rows', async () => (await countFinal(`category = 'node.runtime'`)) === first.request.data.length)
  })

  it('sends a poison message to the dead-letter topic with its reason, and the partition moves on', async () => {
    const kafka = testKafka(config)
    const topic = `it${id}.poison`
    // one partition, so the gateway's event lands behind the poison message
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    await admin.disconnect()
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: '{"this is": not json', partition: 0 }] })

    // a valid event behind it, on the same partition
    const after = await postJson(`${running.gateway.url}/v1/batch`, { meta: { app_id: 'after-poison', category: 'poison' }, data: [{ id: 'p1', name: 'ok', timestamp: Date.now() }] })
    expect(after.status).toBe(200)
    await producer.disconnect()

    const dlq: { reason: string; source: string; value: string }[] = []
    await waitFor('the dead-letter topic', async () => {
      const a = kafka.admin()
      await a.connect()
      try {
        return (await a.listTopics()).includes(config.consumer.deadLetterTopic)
      } finally {
        await a.disconnect()
      }
    })
    const reader = kafka.consumer({ groupId: `it${id}-dlq-reader` })
    await reader.connect()
    await reader.subscribe({ topic: config.consumer.deadLetterTopic, fromBeginning: true })
    await reader.run({
      eachMessage: async ({ message }) => {
        dlq.push({
          reason: message.headers?.['dlq-reason']?.toString() ?? '',
          source: `${message.headers?.['dlq-source-topic']}/${message.headers?.['dlq-source-partition']}`,
          value: message.value?.toString() ?? '',
        })
      },
    })
    await waitFor('the dead letter', async () => dlq.length >= 1, 60_000)
    await reader.disconnect()
    expect(dlq[0]).toMatchObject({ source: `${topic}/0`, value: '{"this is": not json' })
    expect(dlq[0]!.reason).toContain('value is not JSON')
    await waitFor('the event behind the poison message', async () => (await countFinal(`app_id = 'after-poison'`)) === 1)
  })

  it('counts a batch replayed after a crash between insert and commit once in query results', async () => {
    const before = await countFinal()
    const rawBefore = await countRaw()
    expect(before).toBeGreaterThan(0)
    // Replay: rewind the group to the beginning, as if none of the commits had happened.
    await running.consumer.stop()
    const admin = testKafka(config).admin()
    await admin.connect()
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`it${id}.`))
    for (const topic of topics) await admin.resetOffsets({ groupId: config.consumer.groupId, topic, earliest: true })
    await admin.disconnect()
    running.consumer = await startConsumer(config, consumerLog.log)
    // the rows really were inserted a second time...
    await waitFor('replayed inserts', async () => (await countRaw()) >= rawBefore * 2)
    // ...and each event still counts once
    expect(await countFinal()).toBe(before)
    const dupes = await queryRows<{ n: string }>(config, 'SELECT count() AS n FROM (SELECT backend_id, count() AS c FROM events FINAL GROUP BY backend_id HAVING c > 1)')
    expect(Number(dupes[0]!.n)).toBe(0)
  })
})
