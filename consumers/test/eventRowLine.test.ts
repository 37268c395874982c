// TabSeparated inserts map an event straight to its line (schemas/eventRowLine.ts): the bytes must be those
// of toEventRow's row written by encodeRows.ts (the JSONEachRow path and the golden rows use the row object),
// and the writer must send the lines as they are with their columns.
import type { ClickHouseClient } from '@clickhouse/client'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { eventRowColumns, eventRowLine } from '../../schemas/eventRowLine.ts'
import { toEventRow, type EnrichedEvent } from '../../schemas/event.ts'
import { eventType } from '../../schemas/eventType.ts'
import { gatewayEvents } from '../../loadtest/gatewayEvents.ts'
import { bodyPool } from '../../loadtest/generator.ts'
import { tabSeparatedRows } from '../src/steps/encodeRows.ts'
import { createClickHouseWriter } from '../src/steps/insertRows.ts'
import { mapRow } from '../src/steps/mapRows.ts'

const runs = 2000 * Number(process.env.FUZZ_SCALE ?? 1)
const events = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 2 }))
const viaRow = (e: EnrichedEvent) => tabSeparatedRows(Object.keys(toEventRow(e)), [toEventRow(e)])

describe('eventRowLine', () => {
  it("writes toEventRow's columns in its order", () => {
    expect(eventRowColumns).toEqual(Object.keys(toEventRow(events[0]!)))
  })

  it('gives the bytes of the row object written by encodeRows, for every gateway event', () => {
    expect(events.length).toBeGreaterThan(100)
    for (const e of events) expect(eventRowLine(e)).toBe(viaRow(e))
  })

  it('gives the same bytes with escapes, non-ASCII, odd numbers and null sent_at in any field', () => {
    const text = fc.array(fc.constantFrom('a', '\t', '\n', '\r', '\0', '\\', "'", '"', 'é', '😀', '\ud800', ' '), { maxLength: 12 }).map((u) => u.join(''))
    const stringFields = ['backend_id', 'event_id', 'app_id', 'category', 'name', 'time_correction', 'ip', 'country', 'region', 'city', 'trace_id', 'span_id', 'sdk_name', 'sdk_version', 'device_id', 'request_id']
    const numberFields = ['timestamp', 'client_timestamp', 'received_at', 'sent_at']
    const change = fc.oneof(
      fc.tuple(fc.constantFrom(...stringFields), text),
      fc.tuple(fc.constantFrom(...numberFields), fc.constantFrom(0, null, 1764400000123, 253402300799999, 253402300800000, 8.64e15)),
      fc.tuple(fc.constantFrom('properties', 'context'), fc.dictionary(text, fc.oneof(text, fc.double(), fc.boolean(), fc.constant(null)), { maxKeys: 4 })),
    )
    fc.assert(
      fc.property(fc.constantFrom(...events), fc.array(change, { maxLength: 4 }), (base, changes) => {
        const e = { ...base } as Record<string, unknown>
        for (const [field, value] of changes) e[field] = field === 'sent_at' || value !== null ? value : 0
        expect(eventRowLine(e as EnrichedEvent)).toBe(viaRow(e as EnrichedEvent))
      }),
      { numRuns: runs },
    )
  })

  it('fails as toEventRow does for a time Date cannot hold (same dead-letter reason)', () => {
    const bad = Buffer.from(JSON.stringify({ ...events[0], timestamp: 9e15 }))
    const asRow = mapRow(eventType, bad)
    expect(asRow.ok).toBe(false)
    expect(mapRow(eventType, bad, true)).toEqual(asRow)
  })
})

describe('the TabSeparated writer with lines', () => {
  function recordingClient() {
    const calls: Array<{ table: string; columns: string[]; body: string; format: string }> = []
    const client = {
      async insert(p: { table: string; columns: string[]; format: string; values: AsyncIterable<string | Buffer> }) {
        let body = ''
        for await (const chunk of p.values) body += chunk.toString()
        calls.push({ table: p.table, columns: p.columns, body, format: p.format })
      },
    }
    return { client: client as unknown as ClickHouseClient, calls }
  }

  it('sends the mapped lines as the body, with their columns', async () => {
    const { client, calls } = recordingClient()
    const values = events.slice(0, 3).map((e) => Buffer.from(JSON.stringify(e)))
    const rows = values.map((v) => mapRow(eventType, v, true)).map((r) => (r.ok ? r.row : null)!)
    await createClickHouseWriter(client).insert('events', rows)
    expect(calls).toEqual([{ table: 'events', columns: eventRowColumns, body: tabSeparatedRows(eventRowColumns, events.slice(0, 3).map(toEventRow)), format: 'TabSeparated' }])
  })

  it('refuses lines for a JSONEachRow writer as a bad batch, never sends them', async () => {
    const { client, calls } = recordingClient()
    const row = mapRow(eventType, Buffer.from(JSON.stringify(events[0])), true)
    await expect(createClickHouseWriter(client, undefined, undefined, 'JSONEachRow').insert('events', [(row as { row: object }).row])).rejects.toThrow(/cannot be inserted as JSONEachRow/)
    expect(calls).toEqual([])
  })
})
