// The validate step's two shortcuts give the answers of what they shortcut:
// - parseCommonClientEvent (schemas/event.ts) accepts only what clientEventSchema accepts, with the same output;
// - jsonBytesAtMost (schemas/fastAccept.ts) is never below the item's JSON size, so the exact size is
//   measured whenever it could pass the limit.
// Near-valid events with a hostile value in each field, and arbitrary JSON values, through both.
// More cases: FUZZ_SCALE=20 npx vitest run gateway/test/fastClientEvent.test.ts
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientEventSchema, parseCommonClientEvent } from '../../schemas/event.ts'
import { MAX_TIME_MS, MIN_TIME_MS } from '../../schemas/time.ts'
import { jsonBytesAtMost } from '../../schemas/fastAccept.ts'
import { bodyPool } from '../../loadtest/generator.ts'

const scale = Number(process.env.FUZZ_SCALE ?? 1) || 1
const runs = 3000 * scale
// a busy machine runs 3,000 cases in seconds; FUZZ_SCALE multiplies cases and time alike
const timeout = 30_000 * scale

function sameAnswer(item: unknown) {
  const fast = parseCommonClientEvent(item)
  if (fast === undefined) return
  const zod = clientEventSchema.safeParse(item)
  expect(zod.success, JSON.stringify(item)).toBe(true)
  expect(fast).toStrictEqual(zod.data)
  expect(Object.keys(fast)).toEqual(Object.keys(zod.data!))
}

const hostile = fc.oneof(
  fc.constantFrom('', 'a', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(256), 'x'.repeat(257), '2026-11-29T23:00:00Z', '__proto__'),
  fc.constantFrom(MIN_TIME_MS - 1, MIN_TIME_MS, MAX_TIME_MS, MAX_TIME_MS + 1, 1764400000000.5, -0, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity),
  fc.constantFrom('0'.repeat(32), '0'.repeat(16), 'A'.repeat(32), 'a'.repeat(32), 'b'.repeat(16), 'a'.repeat(31)),
  fc.constantFrom(null, undefined, true, [], [1], {}, Object.create(null), new Date(0), { length: 3 }),
  fc.constantFrom(JSON.parse('{"__proto__": {"x": 1}, "a": 1}'), JSON.parse('{"constructor": {"prototype": 1}}'), { toJSON: () => 'x' }),
  fc.json().map((j) => JSON.parse(j) as unknown),
)
const fields = ['id', 'name', 'timestamp', 'ip', 'properties', 'trace_id', 'span_id', 'extra', '__proto__']

describe('parseCommonClientEvent', { timeout }, () => {
  const events = bodyPool({ batchSize: 100, gzip: false, invalidShare: 0.1, bodies: 4 }).flatMap((b) => (JSON.parse(b.bytes.toString()) as { data: unknown[] }).data)

  it('answers every generated benchmark event as zod does, and takes the valid ones', () => {
    let taken = 0
    for (const e of events) {
      sameAnswer(e)
      if (parseCommonClientEvent(e) !== undefined) taken++
    }
    expect(taken).toBe(events.filter((e) => clientEventSchema.safeParse(e).success).length)
  })

  it('never accepts what zod refuses, nor answers differently, with a hostile value in any field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...events), fc.constantFrom(...fields), hostile, fc.boolean(), (base, field, value, viaJson) => {
        const item: Record<string, unknown> = { ...(base as Record<string, unknown>) }
        if (field === '__proto__') Object.defineProperty(item, '__proto__', { value, enumerable: true, configurable: true, writable: true })
        else item[field] = value
        // as parsed from a body (JSON only), and as built in code (undefined, Dates, prototypes)
        sameAnswer(viaJson ? (JSON.parse(JSON.stringify(item) ?? 'null') as unknown) : item)
      }),
      { numRuns: runs },
    )
  })

  it('answers arbitrary JSON values as zod does', () => {
    fc.assert(fc.property(fc.json(), (j) => sameAnswer(JSON.parse(j))), { numRuns: runs })
  })
})

describe('jsonBytesAtMost', { timeout }, () => {
  const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '')

  it('counts the longest number text, 25 characters (a random double found it once)', () => {
    for (const n of [-0.0000012345678901234567, -1.2345678901234567e-308, -123456789012345680000]) expect(jsonBytesAtMost(n, 1_000_000)).toBeGreaterThanOrEqual(exact(n))
  })

  it('is never below the JSON size of a JSON value (escapes, non-ASCII, lone surrogates, exponents)', () => {
    const unit = fc.constantFrom('a', '"', '\\', '\n', '\u0001', 'é', '€', '😀', '\ud800', '\udfff', ' ')
    const text = fc.array(unit, { maxLength: 40 }).map((u) => u.join(''))
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.constantFrom(1e20, -1.7976931348623157e308, 5e-324, -0, -0.0000010699660175567361, -1.2345678901234566e-7, -123456789012345680000), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 5 }), fc.dictionary(text, tie('v'), { maxKeys: 5 })),
    })).v
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonBytesAtMost(v, 1_000_000)).toBeGreaterThanOrEqual(exact(v))
      }),
      { numRuns: runs },
    )
  })

  it('says "more than the limit" for what it cannot bound: values JSON.stringify changes or gives up on', () => {
    const limit = 32 * 1024
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = [deep]
    for (const v of [{ at: new Date(0) }, { n: 1n }, { f: () => 1 }, { u: undefined }, deep, Object.create(null)]) {
      expect(jsonBytesAtMost(v, limit)).toBe(limit + 1)
    }
    expect(jsonBytesAtMost({ s: 'x'.repeat(10_000) }, limit)).toBe(limit + 1)
    expect(jsonBytesAtMost({ s: 'x'.repeat(100) }, limit)).toBeLessThanOrEqual(limit)
  })
})
