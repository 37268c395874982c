// The least-privilege ClickHouse users of scripts/stack/clickhouse-users.xml, on a throwaway ClickHouse
// server (the installed 18.16, other ports, temp data; the shared server is not touched): the consumer's
// telemetry_writer inserts through the consumer's own RowWriter and can do nothing else that matters; the
// query CLI's telemetry_reader reads and cannot write or lift its read-only mode.
import { execFile } from 'node:child_process'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../common/clickhouse.ts'
import type { ClickHouseConfig } from '../../common/config.ts'
import { createClickHouseWriter } from '../../consumers/src/steps/insertRows.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { eventRows, repoRoot } from './harness.ts'
import { clickHouseServerBinary, startThrowawayClickHouse, type ThrowawayClickHouse } from './throwawayClickHouse.ts'

const database = 'telemetry'
let server: ThrowawayClickHouse
const clients: ClickHouseClient[] = []
const as = (user: string, password: string): ClickHouseConfig => ({ url: server.url, user, password, database })
const connect = (c: ClickHouseConfig) => {
  const client = createClickHouse(c)
  clients.push(client)
  return client
}
let admin: ClickHouseClient
let writer: ClickHouseClient
let reader: ClickHouseClient
const count = async (table = 'events') => Number(((await (await admin.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n)

// Not skipped silently: without the server binary this file fails in beforeAll with the reason.
beforeAll(async () => {
  if (!clickHouseServerBinary()) throw new Error('clickhouse-server is not installed: run scripts/stack.sh up first')
  server = await startThrowawayClickHouse(database)
  await migrate(as('default', ''))
  admin = connect(as('default', ''))
  await admin.command({ query: 'CREATE DATABASE other' })
  await admin.command({ query: 'CREATE TABLE other.secrets (s String) ENGINE = MergeTree ORDER BY s' })
  await admin.command({ query: "INSERT INTO other.secrets VALUES ('x')" })
  writer = connect(as('telemetry_writer', server.passwords.writer))
  reader = connect(as('telemetry_reader', server.passwords.reader))
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await server?.stop()
})

describe('telemetry_writer (consumers)', () => {
  it('inserts rows through the consumer RowWriter', async () => {
    await createClickHouseWriter(writer).insert('events', eventRows('app-w', ['w1', 'w2']))
    expect(await count()).toBe(2)
  })

  it.each([
    ['DROP TABLE', 'DROP TABLE events', /DDL queries are prohibited/],
    ['TRUNCATE', 'TRUNCATE TABLE events', /DDL queries are prohibited/],
    ['ALTER ... DELETE', 'ALTER TABLE events DELETE WHERE 1', /DDL queries are prohibited/],
    ['CREATE TABLE', 'CREATE TABLE t (a String) ENGINE = Memory', /DDL queries are prohibited/],
    ['OPTIMIZE', 'OPTIMIZE TABLE events FINAL', /DDL queries are prohibited/],
    ['SET allow_ddl = 1', 'SET allow_ddl = 1', /Cannot modify 'allow_ddl' setting/],
    ['reading another database', 'SELECT * FROM other.secrets', /Access denied to database other/],
    ['writing another database', "INSERT INTO other.secrets VALUES ('y')", /Access denied to database other/],
  ])('is refused %s', async (_label, query, message) => {
    await expect(writer.command({ query })).rejects.toThrow(message)
    expect(await count()).toBe(2)
    expect(await count('other.secrets')).toBe(1)
  })

  it('is refused with a wrong password', async () => {
    const wrong = connect(as('telemetry_writer', 'not-the-password'))
    await expect(wrong.command({ query: 'SELECT 1' })).rejects.toThrow(/Wrong password/)
  })
})

describe('telemetry_reader (npm run query)', () => {
  it('reads', async () => {
    const rows = (await (await reader.query({ query: 'SELECT count() AS n FROM events FINAL', format: 'JSONEachRow' })).json()) as { n: string }[]
    expect(rows).toEqual([{ n: '2' }])
  })

  it.each([
    ['INSERT', "INSERT INTO events (event_id) VALUES ('r')", /readonly mode/],
    ['DROP TABLE', 'DROP TABLE events', /readonly mode/],
    ['SET readonly = 0', 'SET readonly = 0', /readonly mode/],
    ['reading another database', 'SELECT * FROM other.secrets', /Access denied to database other/],
  ])('is refused %s', async (_label, query, message) => {
    await expect(reader.command({ query })).rejects.toThrow(message)
    expect(await count()).toBe(2)
  })

  it('cannot lift readonly with a request setting', async () => {
    await expect(reader.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } })).rejects.toThrow(/Cannot override setting \(readonly\) in readonly mode/)
  })

  it('is the user the query CLI runs as (CLICKHOUSE_QUERY_USER)', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        `${repoRoot}node_modules/.bin/node`,
        [`${repoRoot}scripts/query.ts`, 'app_events', 'app_id=app-w', 'from=2026-11-25T00:00:00Z', 'to=2026-11-26T00:00:00Z'],
        {
          cwd: repoRoot,
          // the admin user is given a wrong password: only the query user can make this work
          env: { ...process.env, CLICKHOUSE_URL: server.url, CLICKHOUSE_DATABASE: database, CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: 'wrong', CLICKHOUSE_QUERY_USER: 'telemetry_reader', CLICKHOUSE_QUERY_PASSWORD: server.passwords.reader },
        },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    )
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('(2 rows)')
  })
})
