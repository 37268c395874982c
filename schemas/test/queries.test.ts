import { describe, expect, it } from 'vitest'
import { bindQuery, parseTime, quoteString, shippedQueries, QueryParamError } from '../queries/catalog.ts'

const now = Date.parse('2026-11-25T12:00:00Z')
const appEvents = shippedQueries().find((q) => q.name === 'app_events')!

describe('query parameter binding', () => {
  it.each([
    ['plain', "shop-web", "'shop-web'"],
    ['quote injection', "x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ['backslash before quote', "x\\' OR 1=1", "'x\\\\\\' OR 1=1'"],
    ['NUL and newline', 'a\u0000b\nc', "'a\\x00b\\x0ac'"],
  ])('quotes a %s string', (_label, raw, literal) => {
    expect(quoteString(raw)).toBe(literal)
  })

  it('binds every placeholder of every shipped query with defaults, leaving none behind', () => {
    for (const q of shippedQueries()) {
      const required: Record<string, string> = { app_id: 'a', trace_id: '0af7651916cd43dd8448eb211c80319c', service: 'cart', name: 'http.server.duration' }
      const values = Object.fromEntries(q.params.filter((p) => p.default === undefined).map((p) => [p.name, required[p.name] ?? 'x']))
      const sql = bindQuery(q, values, now)
      expect(sql).not.toMatch(/\{\w+:\w+\}/)
    }
  })

  it.each([
    ['unknown parameter', { app_id: 'a', evil: '1' }, 'unknown parameter "evil"'],
    ['missing required', {}, 'parameter "app_id" (String) is required'],
    ['limit with SQL', { app_id: 'a', limit: '10; DROP TABLE events' }, 'must be a whole number'],
    ['time with SQL', { app_id: 'a', from: "2026-01-01') OR 1=1 --" }, 'must be an RFC 3339 time'],
  ])('refuses %s', (_label, values, message) => {
    expect(() => bindQuery(appEvents, values as Record<string, string>, now)).toThrow(QueryParamError)
    expect(() => bindQuery(appEvents, values as Record<string, string>, now)).toThrow(message)
  })

  it.each([
    ['now', now],
    ['-1h', now - 3_600_000],
    ['-7d', now - 7 * 86_400_000],
    ['2026-11-25T10:00:00Z', Date.parse('2026-11-25T10:00:00Z')],
    ['2026-11-25 10:00:00', Date.parse('2026-11-25T10:00:00Z')],
    ['1764064800000', 1764064800000],
    ['tomorrow', null],
  ])('parses time %s', (raw, expected) => {
    expect(parseTime(raw, now)).toBe(expected)
  })
})
