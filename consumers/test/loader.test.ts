import { describe, expect, it } from 'vitest'
import { createLogger } from '../../common/logger.ts'
import type { Producer } from 'kafkajs'
import { createKafkaDeadLetterSink, type DeadLetter } from '../src/deadLetter.ts'
import type { InboundMessage } from '../src/inboundMessage.ts'
import { loadBatch, type LoaderDeps } from '../src/loader.ts'
import { InsertError } from '../src/steps/insertRows.ts'
import { routeForTopic } from '../src/steps/mapRows.ts'

const valid = (n: number) =>
  JSON.stringify({
    schema_version: 1, backend_id: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`, event_id: `e${n}`, app_id: 'a', category: 'web', name: 'n',
    timestamp: 1764064800000, client_timestamp: 1764064800000, received_at: 1764064800000, sent_at: null, time_correction: 'none',
    ip: '', country: '', region: '', city: '', properties: {}, trace_id: '', span_id: '', sdk_name: '', sdk_version: '', device_id: '', context: {}, request_id: 'r',
  })

const msg = (offset: number, value: string | null): InboundMessage => ({ topic: 't', partition: 0, offset: String(offset), key: null, value: value === null ? null : Buffer.from(value), headers: {} })

function harness(opts: { insert?: (rows: object[]) => Promise<void>; stillOwned?: () => boolean } = {}) {
  const events: string[] = []
  const inserted: object[][] = []
  const dead: DeadLetter[] = []
  const deps: LoaderDeps = {
    writer: {
      async insert(_table, rows) {
        await opts.insert?.(rows)
        inserted.push(rows)
        events.push(`insert ${rows.length}`)
      },
    },
    deadLetters: {
      async send(items) {
        dead.push(...items)
        events.push(`dead ${items.length}`)
      },
    },
    table: 'events',
    mapRow: routeForTopic('telemetry.{category}', 'telemetry.web').mapRow,
    log: createLogger('test', 'error', () => {}),
    retryMaxMs: 20,
    stillOwned: opts.stillOwned ?? (() => true),
    heartbeat: async () => {},
    commit: async (next) => {
      events.push(`commit ${next}`)
    },
  }
  return { deps, events, inserted, dead }
}

describe('loadBatch: map → insert → dead-letter → commit', () => {
  it('commits the next offset only after the insert', async () => {
    const h = harness()
    const r = await loadBatch([msg(5, valid(1)), msg(6, valid(2))], h.deps)
    expect(r).toEqual({ status: 'committed', inserted: 2, deadLettered: 0, nextOffset: '7' })
    expect(h.events).toEqual(['insert 2', 'commit 7'])
  })

  it('commits a batch it already inserted when a shutdown began during the insert (one try)', async () => {
    let stopping = false
    const h = harness({ insert: async () => void (stopping = true), stillOwned: () => !stopping })
    let commitTries = 0
    h.deps.commit = async (next) => {
      commitTries++
      h.events.push(`commit ${next}`)
    }
    expect(await loadBatch([msg(5, valid(1))], h.deps)).toMatchObject({ status: 'committed', nextOffset: '6' })
    expect(h.events).toEqual(['insert 1', 'commit 6'])
    // a refused commit is not retried once the batch is no longer ours
    h.deps.commit = async () => {
      commitTries++
      throw new Error('The coordinator is not aware of this member')
    }
    commitTries = 0
    stopping = false
    expect(await loadBatch([msg(7, valid(2))], h.deps)).toEqual({ status: 'abandoned' })
    expect(commitTries).toBe(1)
  })

  it('dead-letters unmappable messages and still moves the partition on', async () => {
    const h = harness()
    const r = await loadBatch([msg(1, valid(1)), msg(2, 'garbage'), msg(3, null)], h.deps)
    expect(r).toMatchObject({ status: 'committed', inserted: 1, deadLettered: 2, nextOffset: '4' })
    expect(h.events).toEqual(['insert 1', 'dead 2', 'commit 4'])
    expect(h.dead.map((d) => [d.message.offset, d.stage])).toEqual([['2', 'map'], ['3', 'map']])
  })

  it('retries while ClickHouse is down, commits nothing until it answers', async () => {
    let failures = 3
    const h = harness({
      insert: async () => {
        if (failures-- > 0) throw new InsertError('connect ECONNREFUSED', false)
      },
    })
    const r = await loadBatch([msg(1, valid(1))], h.deps)
    expect(r.status).toBe('committed')
    expect(failures).toBe(-1)
    expect(h.events).toEqual(['insert 1', 'commit 2'])
  })

  it('abandons without committing when the batch is no longer ours', async () => {
    let owned = true
    const h = harness({
      insert: async () => {
        owned = false
        throw new InsertError('timeout', false)
      },
      stillOwned: () => owned,
    })
    const r = await loadBatch([msg(1, valid(1))], h.deps)
    expect(r).toEqual({ status: 'abandoned' })
    expect(h.events.filter((e) => e.startsWith('commit'))).toEqual([])
  })

  it('isolates the rows ClickHouse refuses and inserts the rest', async () => {
    const badIds = new Set(['e3', 'e6'])
    const h = harness({
      insert: async (rows) => {
        if (rows.some((r) => badIds.has((r as { event_id: string }).event_id))) throw new InsertError('Cannot parse input', true)
      },
    })
    const r = await loadBatch([1, 2, 3, 4, 5, 6, 7].map((n) => msg(n, valid(n))), h.deps)
    expect(r).toMatchObject({ status: 'committed', inserted: 5, deadLettered: 2, nextOffset: '8' })
    expect(h.inserted.flat().map((r) => (r as { event_id: string }).event_id).sort()).toEqual(['e1', 'e2', 'e4', 'e5', 'e7'])
    expect(h.dead.map((d) => [d.message.offset, d.stage])).toEqual([['3', 'insert'], ['6', 'insert']])
    expect(h.dead[0]!.reason).toContain('Cannot parse input')
  })
})

const ndjson = (offset: number, lines: Array<string>): InboundMessage => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  key: Buffer.from('k'),
  value: Buffer.from(lines.join('\n')),
  headers: { 'content-type': 'application/x-ndjson', traceparent: 'tp' },
})
const eventIds = (rows: object[][]) => rows.flat().map((r) => (r as { event_id: string }).event_id)

describe('loadBatch: NDJSON records (several items a record)', () => {
  it('loads every item of NDJSON records and one-item records (old format, no content-type) in one batch', async () => {
    const h = harness()
    const oldRecord = msg(1, valid(1))
    const jsonRecord = { ...msg(4, valid(5)), headers: { 'content-type': 'application/json' } }
    const r = await loadBatch([oldRecord, ndjson(2, [valid(2), valid(3)]), ndjson(3, [valid(4)]), jsonRecord], h.deps)
    expect(r).toEqual({ status: 'committed', inserted: 5, deadLettered: 0, nextOffset: '5' })
    expect(eventIds(h.inserted)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
    expect(h.events).toEqual(['insert 5', 'commit 5'])
  })

  it('dead-letters a bad item alone, with its own bytes and index, and loads the others of its record', async () => {
    const h = harness()
    const r = await loadBatch([ndjson(7, [valid(1), '{"not": "an event"}', valid(3), ''])], h.deps)
    expect(r).toEqual({ status: 'committed', inserted: 2, deadLettered: 2, nextOffset: '8' })
    expect(eventIds(h.inserted)).toEqual(['e1', 'e3'])
    expect(h.dead.map((d) => [d.message.offset, d.item?.index, d.item?.value?.toString(), d.stage])).toEqual([
      ['7', 1, '{"not": "an event"}', 'map'],
      ['7', 3, '', 'map'],
    ])
    expect(h.events).toEqual(['insert 2', 'dead 2', 'commit 8'])
  })

  it('isolates the one item ClickHouse refuses by bisection, amid the items of its record and of others', async () => {
    const h = harness({
      insert: async (rows) => {
        if (rows.some((r) => (r as { event_id: string }).event_id === 'e5')) throw new InsertError('Cannot parse input', true)
      },
    })
    const r = await loadBatch([ndjson(1, [valid(1), valid(2), valid(3)]), ndjson(2, [valid(4), valid(5), valid(6)]), msg(3, valid(7))], h.deps)
    expect(r).toMatchObject({ status: 'committed', inserted: 6, deadLettered: 1, nextOffset: '4' })
    expect(eventIds(h.inserted).sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e6', 'e7'])
    expect(h.dead.map((d) => [d.message.offset, d.item?.index, d.stage])).toEqual([['2', 1, 'insert']])
    expect(JSON.parse(h.dead[0]!.item!.value!.toString()).event_id).toBe('e5')
  })

  it('gives identical rows when a record is replayed (exactly once through ReplacingMergeTree)', async () => {
    const record = ndjson(1, [valid(1), valid(2)])
    const first = harness()
    const again = harness()
    await loadBatch([record], first.deps)
    await loadBatch([{ ...record, value: Buffer.from(record.value!) }], again.deps)
    expect(again.inserted).toEqual(first.inserted)
  })
})

describe('createKafkaDeadLetterSink: one dead letter per item', () => {
  it("writes an NDJSON record's item alone: its bytes, the record's key and headers, where it was and its index", async () => {
    const sent: Array<{ topic: string; messages: Array<{ key: unknown; value: unknown; headers: Record<string, string> }> }> = []
    const sink = createKafkaDeadLetterSink({ send: async (r: (typeof sent)[number]) => void sent.push(r) } as unknown as Producer, 'dlq')
    const record = ndjson(9, [valid(1), 'garbage'])
    await sink.send([
      { message: record, item: { index: 1, value: record.value!.subarray(record.value!.indexOf(0x0a) + 1) }, stage: 'map', reason: 'value is not JSON' },
      { message: msg(10, 'old garbage'), stage: 'map', reason: 'value is not JSON' },
    ])
    const [a, b] = sent[0]!.messages
    expect(a!.value!.toString()).toBe('garbage')
    expect(a!.key!.toString()).toBe('k')
    expect(a!.headers).toMatchObject({ 'content-type': 'application/x-ndjson', traceparent: 'tp', 'dlq-source-offset': '9', 'dlq-item-index': '1', 'dlq-stage': 'map' })
    expect(b!.value!.toString()).toBe('old garbage')
    expect(b!.headers['dlq-item-index']).toBeUndefined()
  })
})
