import { describe, expect, it } from 'vitest'
import { dateTimeText } from '../telemetryType.ts'

describe('dateTimeText: the DateTime text form ClickHouse parses, in UTC', () => {
  it.each([
    ['epoch', 0, '1970-01-01 00:00:00'],
    ['last millisecond of a second', 999, '1970-01-01 00:00:00'],
    ['a 2026 time', Date.parse('2026-11-25T17:45:20.123Z'), '2026-11-25 17:45:20'],
    ['the next second', Date.parse('2026-11-25T17:45:21.000Z'), '2026-11-25 17:45:21'],
    ['end of the DateTime range', Date.parse('2105-12-31T23:59:59.999Z'), '2105-12-31 23:59:59'],
  ])('%s', (_name, ms, text) => {
    expect(dateTimeText(ms)).toBe(text)
  })

  it('gives the right text whatever order the seconds come in (it remembers recent seconds)', () => {
    const times = [0, 1_000, 0, 2_000, 1_000, 2_500, 0, 1795624935099, 1_999, 1795624935001]
    for (const ms of times) expect(dateTimeText(ms), String(ms)).toBe(new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' '))
  })
})
