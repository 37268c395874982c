import { describe, expect, it } from 'vitest'
import { packRecords } from '../src/steps/packRecords.ts'

type Item = { k: string; n: number; pad?: string }
const keyOf = (i: Item) => i.k
const lines = (records: Array<{ value: string }>) => records.map((r) => r.value.split('\n').map((l) => JSON.parse(l) as Item))

describe('packRecords: items → NDJSON records', () => {
  it('puts every item of a key into one record, keys in order of their first item, each key in its order', () => {
    const items: Item[] = [
      { k: 'a', n: 1 },
      { k: 'a', n: 2 },
      { k: 'b', n: 3 },
      { k: 'a', n: 4 },
      { k: 'c', n: 5 },
      { k: 'b', n: 6 },
    ]
    const records = packRecords(items, keyOf, 65_536)
    expect(records.map((r) => r.key)).toEqual(['a', 'b', 'c'])
    expect(lines(records).map((ls) => ls.map((l) => l.n))).toEqual([[1, 2, 4], [3, 6], [5]])
    expect(records[0]!.value).toBe('{"k":"a","n":1}\n{"k":"a","n":2}\n{"k":"a","n":4}')
  })

  it('keeps a key\'s records in order when interleaved keys are cut at the bound', () => {
    const items: Item[] = Array.from({ length: 8 }, (_, n) => ({ k: n % 2 === 0 ? 'a' : 'b', n })) // each 15 characters
    const records = packRecords(items, keyOf, 15 * 2 + 1) // two items a record
    expect(records.map((r) => r.key)).toEqual(['a', 'a', 'b', 'b'])
    expect(lines(records).map((ls) => ls.map((l) => l.n))).toEqual([[0, 2], [4, 6], [1, 3], [5, 7]])
  })

  it('cuts a record before the item that would take it over the bound, never splitting an item', () => {
    const items: Item[] = Array.from({ length: 10 }, (_, n) => ({ k: 'a', n })) // each 15 characters
    const records = packRecords(items, keyOf, 15 * 3 + 2) // exactly 3 items and 2 newlines
    expect(records.map((r) => r.value.length)).toEqual([47, 47, 47, 15])
    expect(lines(records).flat().map((l) => l.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('sends an item larger than the bound alone, between records of its neighbours', () => {
    const huge: Item = { k: 'a', n: 2, pad: 'x'.repeat(500) }
    const records = packRecords([{ k: 'a', n: 1 }, huge, { k: 'a', n: 3 }], keyOf, 100)
    expect(lines(records)).toEqual([[{ k: 'a', n: 1 }], [huge], [{ k: 'a', n: 3 }]])
  })

  it('writes one item per record with bound 0 (the format before NDJSON)', () => {
    const records = packRecords([{ k: 'a', n: 1 }, { k: 'a', n: 2 }], keyOf, 0)
    expect(records).toEqual([
      { key: 'a', value: '{"k":"a","n":1}' },
      { key: 'a', value: '{"k":"a","n":2}' },
    ])
  })

  it('keeps newlines inside strings escaped, so a line is always one whole item', () => {
    const records = packRecords([{ k: 'a', n: 1, pad: 'line\nbreak\r\u2028' }, { k: 'a', n: 2 }], keyOf, 65_536)
    expect(records).toHaveLength(1)
    expect(lines(records)[0]!.map((l) => l.pad)).toEqual(['line\nbreak\r\u2028', undefined])
  })

  it('returns no record for no items', () => {
    expect(packRecords([], keyOf, 65_536)).toEqual([])
  })
})
