// The consumer's byte reader of the common event value (schemas/eventRowReader.ts) gives the full path's row:
// whatever it takes, JSON.parse + the enriched schema + toEventRow take too, with the same row (properties
// and context byte for byte); everything else it leaves to that path (which decides the dead letter).
// Gateway-written values, values with arbitrary JSON in properties, numbers in every form, and texts mutated
// one character at a time.
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { enrichedEventSchema, toEventRow } from '../../schemas/event.ts'
import { readCommonEventRow } from '../../schemas/eventRowReader.ts'
import { gatewayEvents } from '../../loadtest/gatewayEvents.ts'
import { bodyPool } from '../../loadtest/generator.ts'

const runs = 3000 * Number(process.env.FUZZ_SCALE ?? 1)

/** the full path's row, or undefined where it dead-letters */
function fullPath(text: string): object | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = enrichedEventSchema.safeParse(json)
  return parsed.success ? toEventRow(parsed.data) : undefined
}

function sameRow(text: string): boolean {
  const fast = readCommonEventRow(Buffer.from(text))
  if (fast === undefined) return false
  const full = fullPath(text)
  expect(full, text).toBeDefined()
  expect(fast, text).toStrictEqual(full)
  expect(Object.keys(fast)).toEqual(Object.keys(full!))
  return true
}

const values = gatewayEvents(bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 4 }))
const texts = values.map((e) => JSON.stringify(e))
const withField = (i: number, field: string, v: unknown) => JSON.stringify({ ...values[i % values.length]!, [field]: v })

// fuzzing at FUZZ_SCALE > 1 takes longer than vitest's default 5 s
describe('readCommonEventRow', { timeout: 30_000 * Number(process.env.FUZZ_SCALE ?? 1) }, () => {
  it('reads every gateway-written value, with the full path\'s row', () => {
    expect(texts.length).toBeGreaterThan(300)
    for (const t of texts) expect(sameRow(t)).toBe(true)
  })

  it('reads properties and context holding any JSON object, or leaves them to the full path', () => {
    let taken = 0
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('properties', 'context'), fc.dictionary(fc.string(), fc.jsonValue()), (i, field, obj) => {
        if (sameRow(withField(i, field, obj))) taken++
      }),
      { numRuns: runs },
    )
    // fc.string() often holds an escape or a digit-led key (left to the full path); the rest is taken
    expect(taken).toBeGreaterThan(runs / 10)
  })

  it('takes a number only when JSON.stringify writes it back the same', () => {
    const forms = (d: number) => [String(d), d.toFixed(3), d.toPrecision(15), d.toPrecision(17), d.toExponential(), `${d}0`, `-${d}`, `0${d}`, `${Math.trunc(d)}.0`]
    fc.assert(
      fc.property(fc.nat(), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e-6, 1.5e-7, 1e21, 123456789012345.6)), (i, d) => {
        const base = texts[i % texts.length]!
        for (const form of forms(d)) sameRow(base.replace('"properties":{', `"properties":{"n":${form},"m":[${form}],`))
      }),
      { numRuns: runs },
    )
  })

  it('never differs from the full path on a text changed by one character', () => {
    const chars = [' ', '\n', '\t', '0', '1', '-', '.', 'e', 'E', '+', '"', ',', ':', '{', '}', '[', ']', '\\', 'a', 'é', '\u0000', 'n', 't']
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...chars), fc.constantFrom('insert', 'replace', 'delete'), (i, at, c, how) => {
        const t = texts[i % texts.length]!
        const p = at % t.length
        sameRow(how === 'insert' ? t.slice(0, p) + c + t.slice(p) : how === 'replace' ? t.slice(0, p) + c + t.slice(p + 1) : t.slice(0, p) + t.slice(p + 1))
      }),
      { numRuns: runs * 3 },
    )
  })

  it('gives the full path\'s row for values with other scripts and with bytes that are not UTF-8', () => {
    const base = { ...values[0]!, city: 'Zürich / 東京 😀 long enough', properties: { path: '/über-uns/ñandú/😀/long enough', n: 1 } }
    expect(sameRow(JSON.stringify(base))).toBe(true)
    const bytes = Buffer.from(JSON.stringify({ ...values[1]!, city: 'Mountain View, CA, USA', device_id: 'device-long-enough-0' }))
    // a byte that is not UTF-8 (and a lead byte without its follower) inside string values, decoded as U+FFFD both ways
    for (const bad of [0xff, 0xc3, 0x80]) {
      for (const field of ['"city":"Mountain', '"device_id":"device', '"sdk_name":"tele']) {
        const at = bytes.indexOf(field) + field.length - 2
        const mutated = Buffer.from(bytes)
        mutated[at] = bad
        const fast = readCommonEventRow(mutated)
        expect(fast, field).toBeDefined()
        expect(fast).toStrictEqual(fullPath(mutated.toString('utf8')))
      }
    }
  })

  it('leaves doubled keys, digit keys, escapes, deep nesting and hostile field values to the full path', () => {
    const base = texts[0]!
    const props = (inner: string) => base.replace(/"properties":\{[^}]*\}/, `"properties":${inner}`)
    for (const inner of ['{"a":1,"a":2}', '{"b":1,"2":3}', '{"a":"x\\"y"}', '[1]', '"x"', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`]) {
      expect(readCommonEventRow(Buffer.from(props(inner))), inner).toBeUndefined()
      sameRow(props(inner))
    }
    expect(sameRow(props('{"__proto__":{"x":1},"a":[]}'))).toBe(true)
    const hostile = fc.oneof(fc.constantFrom('', 'NONE', -1, 1.5, 2 ** 53, null, true, {}, [], '0190A4F2-7C3E-7ABC-8DEF-0123456789AB', '00000000-0000-0000-0000-000000000000'), fc.jsonValue())
    const fields = [...Object.keys(enrichedEventSchema.shape), 'extra']
    fc.assert(fc.property(fc.nat(), fc.constantFrom(...fields), hostile, (i, field, v) => void sameRow(withField(i, field, v))), { numRuns: runs })
    expect(readCommonEventRow(Buffer.from(base + ' '))).toBeUndefined()
    expect(readCommonEventRow(Buffer.from(JSON.stringify(values[0], null, 1)))).toBeUndefined()
  })
})
