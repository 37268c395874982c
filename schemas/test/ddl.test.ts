import { describe, expect, it } from 'vitest'
import { backfillDay, backfills } from '../clickhouse/backfill.ts'
import { ddlStatements } from '../clickhouse/migrate.ts'
import { eventsTable, topicFor, topicPattern } from '../event.ts'
import { partCodes } from '../codes.ts'
import { logsTable } from '../logRecord.ts'
import { metricPointsTable } from '../metricPoint.ts'
import { spansTable } from '../span.ts'

describe('ClickHouse DDL matches the declarations in schemas/', () => {
  it.each([
    ['events', eventsTable.columns],
    ['spans', spansTable.columns],
    ['metric_points', metricPointsTable.columns],
    ['logs', logsTable.columns],
  ] as const)('%s columns, names and types in order', (table, declared) => {
    const ddl = ddlStatements().find((s) => new RegExp(`CREATE TABLE IF NOT EXISTS ${table}\\b`).test(s.sql))!.sql
    const body = ddl.slice(ddl.indexOf('(') + 1, ddl.indexOf('\n)'))
    const columns = body
      .split(',\n')
      .map((l) => l.trim())
      .map((l) => {
        const [name, ...rest] = l.split(/\s+/)
        return [name, rest.join(' ').replace(/\s+DEFAULT .*/, '')]
      })
    expect(Object.fromEntries(columns)).toEqual(declared)
    expect(columns.map((c) => c[0])).toEqual(Object.keys(declared))
  })

  it('every statement is idempotent', () => {
    for (const { sql } of ddlStatements()) expect(sql).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW|VIEW|DATABASE) IF NOT EXISTS/)
  })

  it('only the events rollup is backfilled when created (its states are set unions), a day at a time', () => {
    const fills = backfills(ddlStatements())
    expect(fills.map((f) => [f.table, f.source, f.timeColumn])).toEqual([['events_rollup_1m', 'events', 'timestamp']])
    expect(backfillDay(fills[0]!, '2026-11-29')).toMatch(/^INSERT INTO events_rollup_1m SELECT\n[\s\S]*\nFROM events\nWHERE toDate\(timestamp\) = toDate\('2026-11-29'\)\nGROUP BY minute, app_id, category, name, country$/)
    expect(() => backfillDay(fills[0]!, "2026-11-29') OR 1 = 1 --")).toThrow(/not a date/)
    expect(() => backfills([{ file: 'x.sql', sql: 'CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory', backfill: 'a' }])).toThrow(/@backfill is for/)
  })
})

describe('topics', () => {
  it.each([
    ['telemetry.{category}', 'web', 'telemetry.web'],
    ['to_analyzer__0.{category}', 'PERF_CRASH', 'to_analyzer__0.PERF_CRASH'],
    ['{category}-events', 'node.runtime', 'node.runtime-events'],
  ])('%s + %s → %s, and the consumer pattern finds it', (template, category, topic) => {
    expect(topicFor(template, category)).toBe(topic)
    expect(topicPattern(template).test(topic)).toBe(true)
    expect(topicPattern(template).test('telemetry_dead_letter')).toBe(false)
  })
})

describe('part codes', () => {
  it('are unique, and only Kafka trouble is retryable', () => {
    const codes = Object.values(partCodes).map((c) => c.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(Object.entries(partCodes).filter(([, c]) => c.retryable).map(([n]) => n)).toEqual(['KAFKA_UNAVAILABLE'])
  })
})
