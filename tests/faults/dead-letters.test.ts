// Content faults on the real stack. A poison message (not JSON) goes to the dead-letter topic with its
// reason and its partition moves on. A batch ClickHouse refuses because of some rows' content (a time the
// schema accepts but ClickHouse cannot parse: year 33658, written straight to Kafka as a buggy producer
// would) is split until the bad rows are isolated: only those are dead-lettered, with ClickHouse's error,
// and the rest of the batch is inserted.
import { afterAll, describe, expect, it } from 'vitest'
import { Partitioners } from 'kafkajs'
import { uuidv7 } from '../../common/ids.ts'
import { EVENT_SCHEMA_VERSION, type EnrichedEvent } from '../../schemas/event.ts'
import { mapRow } from '../../consumers/src/steps/mapRows.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { LoadDriver, type Proc, check, dropDatabase, expectExactlyOnce, kafkaFor, readDeadLetters, report, scenario, short, sleep, startConsumer, startGateway, type Scenario } from './harness.ts'

const scenarios: Scenario[] = []
const procs: Proc[] = []
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await dropDatabase(s)
})

async function oneQuietPartitionTopic(s: Scenario, category: string) {
  const admin = kafkaFor(s).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: `${s.topicPrefix}${category}`, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
}

function enriched(s: Scenario, i: number, timestamp = Date.now()): EnrichedEvent {
  return {
    schema_version: EVENT_SCHEMA_VERSION, backend_id: uuidv7(), event_id: `r${i}`, app_id: s.appId, category: 'refused', name: 'crafted',
    timestamp, client_timestamp: timestamp, received_at: Date.now(), sent_at: null, time_correction: 'none', ip: '', country: '', region: '', city: '',
    properties: {}, trace_id: '', span_id: '', sdk_name: '', sdk_version: '', device_id: '', context: {}, request_id: `crafted-${i}`,
  }
}

describe('content faults', () => {
  it('a poison message goes to the dead-letter topic and the partition moves on', async () => {
    const s = scenario('poison-message')
    scenarios.push(s)
    await oneQuietPartitionTopic(s, 'web')
    const producer = kafkaFor(s).producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await producer.send({ topic: `${s.topicPrefix}web`, acks: -1, messages: [{ key: 'poison', value: '{"this is": not json', partition: 0 }] })
    await producer.disconnect()
    const gw = await startGateway(s)
    const consumer = await startConsumer(s, 'consumer')
    procs.push(gw.proc, consumer)
    // load behind the poison message, on the same (only) partition
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    await sleep(short ? 4_000 : 10_000)
    await load.stop()

    const dead = await readDeadLetters(s, 1)
    expect(dead).toEqual([expect.objectContaining({ stage: 'map', source: `${s.topicPrefix}web/0`, value: '{"this is": not json' })])
    expect(dead[0]!.reason).toContain('value is not JSON')
    const result = await check(s, load.acked)
    report(s.name, result, `dead-lettered ${dead.length}: ${dead[0]!.reason.slice(0, 60)}`)
    expectExactlyOnce(result)
  })

  it('rows ClickHouse refuses are isolated and dead-lettered with its error; the rest of the batch is inserted', async () => {
    const s = scenario('refused-rows')
    scenarios.push(s)
    await oneQuietPartitionTopic(s, 'refused')
    const total = short ? 200 : 2_000
    const badAt = new Set([17, Math.floor(total / 2), total - 1])
    const events = Array.from({ length: total }, (_, i) => enriched(s, i, badAt.has(i) ? 1e15 : Date.now()))
    // the mapper accepts them all: the refusal comes from ClickHouse
    for (const e of events) expect(mapRow(typeForCategory('web'), Buffer.from(JSON.stringify(e))).ok).toBe(true)
    const bad = new Set(events.filter((_, i) => badAt.has(i)).map((e) => e.backend_id))
    const good = new Set(events.filter((_, i) => !badAt.has(i)).map((e) => e.backend_id))

    // one send, so the consumer fetches bad and good rows in one batch
    const producer = kafkaFor(s).producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await producer.send({ topic: `${s.topicPrefix}refused`, acks: -1, messages: events.map((e) => ({ key: 'k', value: JSON.stringify(e), partition: 0 })) })
    await producer.disconnect()
    const consumer = await startConsumer(s, 'consumer')
    procs.push(consumer)

    const dead = await readDeadLetters(s, bad.size)
    expect(dead.length).toBe(bad.size)
    expect(new Set(dead.map((d) => (JSON.parse(d.value) as EnrichedEvent).backend_id))).toEqual(bad)
    for (const d of dead) {
      expect(d.stage).toBe('insert')
      expect(d.reason).toMatch(/^ClickHouse refused the row: .*Cannot parse/)
    }
    // acknowledged here = what Kafka acknowledged to our producer, minus the rows meant to be refused
    const result = await check(s, good, { deadLettered: bad })
    report(s.name, result, `dead-lettered ${dead.length} of ${total}: ${dead[0]!.reason.slice(0, 80)}`)
    expectExactlyOnce(result)
    expect(consumer.count('dead-lettered items')).toBeGreaterThanOrEqual(1)
  })

  it('in NDJSON records, an unmappable item and a refused one are dead-lettered alone with their index; the rest of their records load', async () => {
    const s = scenario('ndjson-bad-items')
    scenarios.push(s)
    await oneQuietPartitionTopic(s, 'refused')
    const events = Array.from({ length: 60 }, (_, i) => enriched(s, i, i === 33 ? 1e15 : Date.now()))
    const lines = events.map((e) => JSON.stringify(e))
    lines.splice(12, 0, '{"this is": not json') // item 12 of the first record
    const ndjson = { 'content-type': 'application/x-ndjson' }
    const producer = kafkaFor(s).producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    // one send (one batch): two NDJSON records of 30 and 31 items around a one-item record of the format before
    const old = enriched(s, 99, Date.now())
    await producer.send({
      topic: `${s.topicPrefix}refused`,
      acks: -1,
      messages: [
        { key: 'k', value: lines.slice(0, 31).join('\n'), headers: ndjson, partition: 0 },
        { key: 'k', value: JSON.stringify(old), headers: { 'content-type': 'application/json' }, partition: 0 },
        { key: 'k', value: lines.slice(31).join('\n'), headers: ndjson, partition: 0 },
      ],
    })
    await producer.disconnect()
    const consumer = await startConsumer(s, 'consumer')
    procs.push(consumer)

    const dead = await readDeadLetters(s, 2)
    const refused = events[33]!
    expect(dead.map((d) => ({ stage: d.stage, itemIndex: d.itemIndex, source: d.source, value: d.value }))).toEqual([
      { stage: 'map', itemIndex: '12', source: `${s.topicPrefix}refused/0`, value: '{"this is": not json' },
      { stage: 'insert', itemIndex: String(34 - 31), source: `${s.topicPrefix}refused/0`, value: JSON.stringify(refused) },
    ])
    const good = new Set([...events.filter((e) => e !== refused), old].map((e) => e.backend_id))
    const result = await check(s, good, { deadLettered: new Set([refused.backend_id]) })
    report(s.name, result, `dead-lettered ${dead.length} items of 3 records holding 62`)
    expectExactlyOnce(result)
  })
})
