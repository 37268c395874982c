import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { checkEnvelope, measureProperties, splitAndValidate } from '../src/steps/splitAndValidate.ts'

const eventType = typeForCategory('web')

const limits = { ...loadConfig({}).limits, eventBytes: 512, propertyDepth: 3, propertyKeys: 5, eventsPerBatch: 3 }
const ok = { id: 'a', name: 'n', timestamp: 1764064800000 }

describe('checkEnvelope', () => {
  it.each([
    ['not an object', [], 400, 'body must be a JSON object'],
    ['missing meta', { data: [ok] }, 400, 'meta'],
    ['missing app_id', { meta: { category: 'web' }, data: [ok] }, 400, 'meta.app_id'],
    ['category with a slash', { meta: { app_id: 'a', category: 'a/b' }, data: [ok] }, 400, 'meta.category: must be 1-64 characters'],
    ['category of 65 characters', { meta: { app_id: 'a', category: 'c'.repeat(65) }, data: [ok] }, 400, 'meta.category'],
    ['unknown meta field', { meta: { app_id: 'a', category: 'web', colour: 1 }, data: [ok] }, 400, 'colour'],
    ['data not an array', { meta: { app_id: 'a', category: 'web' }, data: {} }, 400, 'data must be an array'],
    ['data empty', { meta: { app_id: 'a', category: 'web' }, data: [] }, 400, 'at least one event'],
    ['bad sent_at', { meta: { app_id: 'a', category: 'web', sent_at: 'soon' }, data: [ok] }, 400, 'meta.sent_at'],
    ['too many events', { meta: { app_id: 'a', category: 'web' }, data: [ok, ok, ok, ok] }, 413, 'batch has 4 events, limit 3 (LIMIT_EVENTS_PER_BATCH)'],
  ])('%s → %i', (_label, body, status, message) => {
    const r = checkEnvelope(body, limits)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.status).toBe(status)
      expect(r.message).toContain(message)
    }
  })

  it('accepts a minimal envelope and flags wrong meta for the seed counter', () => {
    expect(checkEnvelope({ meta: { app_id: 'a', category: 'web.v2-x_y' }, data: [ok] }, limits).ok).toBe(true)
    const bad = checkEnvelope({ meta: { app_id: '', category: 'web' }, data: [ok] }, limits)
    expect(bad.ok === false && bad.wrongMeta).toBe(true)
  })
})

describe('splitAndValidate: one event at a time', () => {
  it.each([
    ['valid, epoch ms', ok, 0, ''],
    ['valid, RFC 3339 with offset', { ...ok, timestamp: '2025-11-25T10:00:00.5+02:00' }, 0, ''],
    ['missing name', { id: 'a', timestamp: 1764064800000 }, 'INVALID_EVENT', 'name'],
    ['empty id', { ...ok, id: '' }, 'INVALID_EVENT', 'id: must not be empty'],
    ['timestamp as words', { ...ok, timestamp: 'yesterday' }, 'INVALID_EVENT', 'timestamp'],
    ['timestamp in seconds (before 2000)', { ...ok, timestamp: 1764064800 }, 'INVALID_EVENT', 'between 2000-01-01 and 2100-01-01'],
    ['fractional epoch ms', { ...ok, timestamp: 1764064800000.5 }, 'INVALID_EVENT', 'timestamp'],
    ['properties is an array', { ...ok, properties: [1] }, 'INVALID_EVENT', 'properties'],
    ['trace_id uppercase', { ...ok, trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736' }, 'INVALID_EVENT', 'trace_id'],
    ['span_id all zero', { ...ok, span_id: '0000000000000000' }, 'INVALID_EVENT', 'span_id'],
    ['unknown field', { ...ok, user: 'x' }, 'INVALID_EVENT', 'unknown field(s) "user"'],
    ['not an object', 42, 'INVALID_EVENT', 'JSON object'],
    ['too large', { ...ok, properties: { blob: 'x'.repeat(600) } }, 'EVENT_TOO_LARGE', 'limit 512 B (LIMIT_EVENT_BYTES)'],
    ['properties 4 deep', { ...ok, properties: { a: { b: { c: { d: 1 } } } } }, 'PROPERTIES_TOO_DEEP', 'limit 3 (LIMIT_PROPERTY_DEPTH)'],
    ['properties 3 deep', { ...ok, properties: { a: { b: { c: 1 } } } }, 0, ''],
    ['six property keys', { ...ok, properties: { a: 1, b: 2, c: 3, d: { e: 4, f: 5 } } }, 'TOO_MANY_PROPERTIES', 'properties hold 6 keys, limit 5'],
  ])('%s', (_label, event, expected, message) => {
    const [outcome] = splitAndValidate([event], eventType, limits)
    if (expected === 0) {
      expect(outcome).toMatchObject({ ok: true })
    } else {
      expect(outcome).toMatchObject({ ok: false, reason: expected })
      if (outcome && !outcome.ok) expect(outcome.message).toContain(message)
    }
  })

  it('refuses a second event with an id already accepted in the batch, keeps order', () => {
    const outcomes = splitAndValidate([{ ...ok, id: 'x' }, { id: 'y' }, { ...ok, id: 'y' }, { ...ok, id: 'x', name: 'again' }], eventType, limits)
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.reason))).toEqual(['ok', 'INVALID_EVENT', 'ok', 'DUPLICATE_ID'])
    expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3])
  })

  it('echoes the client id even for an invalid event', () => {
    const [o] = splitAndValidate([{ id: 'keep-me', name: 5, timestamp: 1 }], eventType, limits)
    expect(o?.id).toBe('keep-me')
  })
})

describe('splitAndValidate: the same guards for every type, messages naming the field', () => {
  const NS = '1764064800000000000'
  const span = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', name: 'n', start_time_unix_nano: NS, end_time_unix_nano: NS }
  const deep = { a: { b: { c: { d: 1 } } } }
  it.each([
    ['spans: span: resource_attributes nest 4 levels ', 'spans', { ...span, resource_attributes: deep }, 'PROPERTIES_TOO_DEEP', 'span: resource_attributes nest 4 levels deep, limit 3 (LIMIT_PROPERTY_DEPTH)'],
    ['spans: span: events.0.attributes nest 4 levels ', 'spans', { ...span, events: [{ name: 'e', time_unix_nano: NS, attributes: deep }] }, 'PROPERTIES_TOO_DEEP', 'span: events.0.attributes nest 4 levels deep'],
    ['spans: span: attributes hold 6 keys, limit 5 (L', 'spans', { ...span, attributes: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } }, 'TOO_MANY_PROPERTIES', 'span: attributes hold 6 keys, limit 5 (LIMIT_PROPERTY_KEYS)'],
    ['spans: span: name: cannot be validated', 'spans', { ...span, name: { length: { toString: 1 } } }, 'INVALID_EVENT', 'span: name: cannot be validated'],
    ['metrics: metric point is', 'metrics', { name: 'm', type: 'gauge', value: 1, time_unix_nano: NS, attributes: { blob: 'x'.repeat(600) } }, 'EVENT_TOO_LARGE', 'metric point is'],
    ['logs: log record: body: cannot be measured as ', 'logs', { time_unix_nano: NS, body: JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) }, 'EVENT_TOO_LARGE', 'log record: body: cannot be measured as JSON'],
    ['logs: log record: severity_number:', 'logs', { time_unix_nano: NS, severity_number: 99 }, 'INVALID_EVENT', 'log record: severity_number:'],
  ])('%s', (_label, category, item, reason, message) => {
    const [outcome] = splitAndValidate([item], typeForCategory(category), { ...limits, eventBytes: category === 'logs' ? 1_000_000 : 512 })
    expect(outcome).toMatchObject({ ok: false, reason })
    if (outcome && !outcome.ok) expect(outcome.message).toContain(message)
  })

  it('spans: a repeated trace_id/span_id is a duplicate', () => {
    const outcomes = splitAndValidate([span, { ...span, name: 'again' }], typeForCategory('spans'), limits)
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.message))).toEqual(['ok', 'span 4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7 already appears earlier in this request'])
  })
})

describe('measureProperties', () => {
  it('stops descending past the cap on hostile nesting', () => {
    let deep: Record<string, unknown> = {}
    const root = deep
    for (let i = 0; i < 10_000; i++) {
      const next = {}
      deep.k = next
      deep = next
    }
    const m = measureProperties(root, 6)
    expect(m.depth).toBe(7)
    expect(m.keys).toBeLessThan(10)
  })
})
