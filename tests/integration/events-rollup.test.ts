// The events rollup (events_rollup_1m) against events FINAL on the real ClickHouse: events stored before the
// rollup existed are backfilled by the migration that creates it, a replayed batch and a client resend (same
// backend_id) count once, and every shipped query that reads the rollup answers what the same question asked
// of events FINAL answers (over whole minutes, as the rollup does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createClickHouse } from '../../common/clickhouse.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { countRows, dropDatabase, integrationConfig, queryRows, repoRoot, runId } from './harness.ts'

const config = integrationConfig(runId())
const db = config.clickhouse.database
const base = Date.UTC(2026, 10, 29, 12, 0, 0)
const range = { from: new Date(base - 60_000).toISOString(), to: new Date(base + 10 * 60_000).toISOString() }
const where = `timestamp >= toDateTime('${range.from.slice(0, 19).replace('T', ' ')}', 'UTC') AND timestamp < toDateTime('${range.to.slice(0, 19).replace('T', ' ')}', 'UTC')`

// the same questions asked of events FINAL (the shipped queries before the rollup)
const reference: Record<string, string> = {
  events_per_minute: `SELECT toStartOfMinute(timestamp) AS minute, category, count() AS events FROM events FINAL WHERE ${where} GROUP BY minute, category ORDER BY minute, category`,
  events_per_minute_by_app: `SELECT toStartOfMinute(timestamp) AS minute, app_id, count() AS events FROM events FINAL WHERE ${where} AND app_id IN (SELECT app_id FROM events FINAL WHERE ${where} GROUP BY app_id ORDER BY count() DESC, app_id LIMIT 8) GROUP BY minute, app_id ORDER BY minute, app_id`,
  top_event_names: `SELECT app_id, name, count() AS events, min(timestamp) AS first_seen, max(timestamp) AS last_seen FROM events FINAL WHERE ${where} GROUP BY app_id, name ORDER BY events DESC, app_id, name LIMIT 20`,
  top_countries: `SELECT country, count() AS events, uniqExactIf(device_id, device_id != '') AS devices, uniqExact(app_id) AS apps FROM events FINAL WHERE ${where} GROUP BY country ORDER BY events DESC, country LIMIT 20`,
  top_apps: `SELECT app_id, count() AS events, max(timestamp) AS last_event FROM events FINAL WHERE ${where} GROUP BY app_id ORDER BY events DESC, app_id LIMIT 50`,
}

/** n events of app `app` from offset `first`: minutes, names, countries and devices spread. The same backend_ids
 * repeat in other apps of the same name length: FINAL keeps them apart (its key starts with app_id), so must the rollup. */
function events(app: string, first: number, n: number, requestId: string) {
  return Array.from({ length: n }, (_, k) => {
    const i = first + k
    const t = base + (i % 9) * 60_000 + (i % 50) * 1000
    const time = new Date(t).toISOString().slice(0, 19).replace('T', ' ')
    return {
      backend_id: `00000000-0000-4000-8000-${app.length.toString(16).padStart(4, '0')}${i.toString(16).padStart(8, '0')}`,
      event_id: `e${i}`,
      app_id: app,
      category: i % 3 === 0 ? 'ios' : 'web',
      name: ['page_view', 'add_to_cart', 'checkout'][i % 3]!,
      timestamp: time,
      timestamp_ms: t,
      received_at: time,
      received_at_ms: t,
      country: ['US', 'DE', 'FR', ''][i % 4]!,
      device_id: i % 5 === 0 ? '' : `dev-${i % 7}`,
      request_id: requestId,
    }
  })
}

const client = createClickHouse(config.clickhouse)
const insert = (values: object[]) => client.insert({ table: 'events', values, format: 'JSONEachRow' })
const answer = async (name: string) => {
  const q = shippedQueries().find((s) => s.name === name)!
  return queryRows(config, bindQuery(q, name.startsWith('top_') ? { ...range, limit: name === 'top_apps' ? '50' : '20' } : range))
}

beforeAll(async () => {
  const server = createClickHouse(config.clickhouse, { database: null })
  await server.command({ query: `CREATE DATABASE IF NOT EXISTS \`${db}\`` })
  await server.close()
  // a database from before the rollup: only the events table, holding rows and a replayed batch
  await client.command({ query: readFileSync(`${repoRoot}schemas/clickhouse/001_events.sql`, 'utf8') })
  await client.command({ query: 'SYSTEM STOP MERGES events' }) // keep the duplicates on disk
  await insert(events('shop', 0, 300, 'r1'))
  await insert(events('blog', 0, 120, 'r2'))
  await insert(events('shop', 0, 100, 'r1')) // replay of part of the first batch
  await migrate(config.clickhouse) // creates the rollup and fills it from the rows above
  await client.command({ query: 'SYSTEM STOP MERGES events_rollup_1m' }) // its row count shows a second fill
  // after the rollup exists: new events, a replayed batch and a client resend (same backend_id, new request)
  await insert(events('shop', 300, 200, 'r3'))
  await insert(events('shop', 300, 200, 'r3'))
  await insert(events('blog', 50, 100, 'r4-resend'))
  for (let app = 0; app < 9; app++) await insert(events(`app${app}`, 0, 10 + app, `r5-${app}`)) // more than 8 apps
}, 120_000)

afterAll(async () => {
  await client.close()
  await dropDatabase(config)
})

describe('events_rollup_1m', () => {
  it('the stored duplicates are really there, and the rollup counts each event once', async () => {
    const raw = await countRows(config, 'SELECT count() AS n FROM events')
    const once = await countRows(config, 'SELECT count() AS n FROM events FINAL')
    expect(raw - once).toBe(100 + 200 + 70) // the resend repeats blog's events 50..119 and adds 120..149
    const perMinute = await answer('events_per_minute')
    expect(perMinute.reduce((n, r) => n + Number(r.events), 0)).toBe(once)
  })

  it('every shipped query reading the rollup answers what events FINAL answers', async () => {
    for (const [name, sql] of Object.entries(reference)) {
      const [rollup, final] = [await answer(name), await queryRows(config, sql)]
      expect(rollup.length, name).toBeGreaterThan(0)
      expect(rollup.map((r) => Object.values(r).map(String)), name).toEqual(final.map((r) => Object.values(r).map(String)))
    }
  })

  it('a later migration does not fill it again', async () => {
    const before = await countRows(config, 'SELECT count() AS n FROM events_rollup_1m')
    await migrate(config.clickhouse)
    expect(await countRows(config, 'SELECT count() AS n FROM events_rollup_1m')).toBe(before)
  })
})
