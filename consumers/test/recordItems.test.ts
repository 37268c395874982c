import { describe, expect, it } from 'vitest'
import { chunksOfItems, itemCount, recordItems } from '../src/recordItems.ts'

const ndjson = (text: string) => ({ headers: { 'content-type': 'application/x-ndjson' }, value: Buffer.from(text) })
const strings = (items: Array<Buffer | null>) => items.map((b) => (b === null ? null : b.toString()))

describe('recordItems: the items of a Kafka record', () => {
  it('splits an NDJSON record at newlines into views of its value (no copies)', () => {
    const record = ndjson('{"a":1}\n{"b":2}\n{"c":3}')
    const items = recordItems(record)
    expect(strings(items)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}'])
    expect(items[1]!.buffer).toBe(record.value.buffer)
    expect(itemCount(record)).toBe(3)
  })

  it('keeps empty lines as (unmappable) items, so nothing is silently skipped', () => {
    expect(strings(recordItems(ndjson('{"a":1}\n\n')))).toEqual(['{"a":1}', '', ''])
    expect(itemCount(ndjson('{"a":1}\n\n'))).toBe(3)
  })

  it('reads a record without the NDJSON content type as one item, newlines and all', () => {
    for (const headers of [{}, { 'content-type': 'application/json' }] as Array<Record<string, string>>) {
      const record = { headers, value: Buffer.from('{"a":\n1}') }
      expect(strings(recordItems(record))).toEqual(['{"a":\n1}'])
      expect(itemCount(record)).toBe(1)
    }
    expect(recordItems({ headers: {}, value: null })).toEqual([null])
    expect(recordItems({ headers: { 'content-type': 'application/x-ndjson' }, value: null })).toEqual([null])
  })
})

describe('chunksOfItems: batches bounded by items, never splitting a record', () => {
  it('cuts before the record that would pass the bound; a record above the bound is a chunk alone', () => {
    const records = [ndjson('1\n2'), ndjson('3'), ndjson('4\n5\n6\n7\n8'), { headers: {}, value: Buffer.from('9') }, ndjson('10\n11')]
    const chunks = chunksOfItems(records, 3).map((c) => c.map((r) => r.value.toString()))
    expect(chunks).toEqual([['1\n2', '3'], ['4\n5\n6\n7\n8'], ['9', '10\n11']])
  })
})
