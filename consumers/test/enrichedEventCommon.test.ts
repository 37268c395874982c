// The consumer's shortcut of the enriched event check (schemas/enrichedEventCommon.ts) gives zod's answer:
// it takes only what enrichedEventSchema accepts, with the same output (fields and their order), and leaves
// everything else to zod. Gateway-written values with a hostile value in each field, and arbitrary JSON.
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { enrichedEventSchema } from '../../schemas/event.ts'
import { parseCommonEnrichedEvent } from '../../schemas/enrichedEventCommon.ts'
import { gatewayEvents } from '../../loadtest/gatewayEvents.ts'
import { bodyPool } from '../../loadtest/generator.ts'

const runs = 3000 * Number(process.env.FUZZ_SCALE ?? 1)

function sameAnswer(value: unknown) {
  const fast = parseCommonEnrichedEvent(value)
  if (fast === undefined) return
  const zod = enrichedEventSchema.safeParse(value)
  expect(zod.success, JSON.stringify(value)).toBe(true)
  expect(fast).toStrictEqual(zod.data)
  expect(Object.keys(fast)).toEqual(Object.keys(zod.data!))
}

const hostile = fc.oneof(
  fc.constantFrom('', 'a', 'none', 'clock_skew', 'future_replaced', 'NONE', '__proto__', '1'),
  fc.constantFrom(0, -0, 1, 2, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, 1764400000000),
  fc.constantFrom('0190a4f2-7c3e-7abc-8def-0123456789ab', '0190A4F2-7C3E-7ABC-8DEF-0123456789AB', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0190a4f2-7c3e-9abc-8def-0123456789ab', '0190a4f2-7c3e-7abc-cdef-0123456789ab', '0190a4f2-7c3e-7abc-8def-0123456789a'),
  fc.constantFrom(null, undefined, true, [], [1], {}, Object.create(null), new Date(0), { length: 3 }),
  fc.constantFrom(JSON.parse('{"__proto__": {"x": 1}, "a": 1}'), JSON.parse('{"constructor": {"prototype": 1}}')),
  fc.json().map((j) => JSON.parse(j) as unknown),
)
const fields = [...Object.keys(enrichedEventSchema.shape), 'extra', '__proto__']

describe('parseCommonEnrichedEvent', () => {
  // the gateway's own Kafka values, as the consumer parses them from their bytes
  const values = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 4 })).map((e) => JSON.parse(JSON.stringify(e)) as unknown)

  it('takes every gateway-written value, with zod\'s output', () => {
    expect(values.length).toBeGreaterThan(300)
    for (const v of values) {
      expect(parseCommonEnrichedEvent(v)).toBeDefined()
      sameAnswer(v)
    }
  })

  it('never accepts what zod refuses, nor answers differently, with a hostile value in any field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.constantFrom(...fields), hostile, fc.boolean(), (base, field, value, viaJson) => {
        const item: Record<string, unknown> = { ...(base as Record<string, unknown>) }
        if (field === '__proto__') Object.defineProperty(item, '__proto__', { value, enumerable: true, configurable: true, writable: true })
        else if (value === undefined && field.length % 2 === 0) delete item[field]
        else item[field] = value
        sameAnswer(viaJson ? (JSON.parse(JSON.stringify(item) ?? 'null') as unknown) : item)
      }),
      { numRuns: runs },
    )
  })

  it('answers arbitrary JSON values as zod does', () => {
    fc.assert(fc.property(fc.json(), (j) => sameAnswer(JSON.parse(j))), { numRuns: runs })
  })
})
