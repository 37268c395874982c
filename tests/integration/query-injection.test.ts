// SQL injection attempts against the real query CLI (`npm run query` = node scripts/query.ts, a child
// process) on the real ClickHouse: a hostile parameter either matches only itself as a literal value or is
// refused with a parameter error (exit 2); it never fails inside ClickHouse (exit 1) and never changes data.
// (A NUL byte cannot be passed in argv at all; its escaping is covered in schemas/test/queries.test.ts.)
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../common/clickhouse.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { dropDatabase, eventRows, integrationConfig, queryRows, repoRoot, runId } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const window = ['from=2026-11-25T00:00:00Z', 'to=2026-11-26T00:00:00Z']

function runQueryCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      `${repoRoot}node_modules/.bin/node`,
      [`${repoRoot}scripts/query.ts`, ...args],
      { env: { ...process.env, CLICKHOUSE_URL: config.clickhouse.url, CLICKHOUSE_DATABASE: config.clickhouse.database }, cwd: repoRoot },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const QUOTED_APP = "o'brien\\shop"
const eventCount = async () => Number((await queryRows<{ n: string }>(config, 'SELECT count() AS n FROM events'))[0]!.n)

beforeAll(async () => {
  await migrate(config.clickhouse)
  const client = createClickHouse(config.clickhouse)
  try {
    await client.insert({ table: 'events', values: [...eventRows('shop-web', ['a', 'b', 'c']), ...eventRows(QUOTED_APP, ['q'])], format: 'JSONEachRow' })
  } finally {
    await client.close()
  }
})

afterAll(async () => {
  await dropDatabase(config)
})

describe('npm run query with hostile values', () => {
  it('finds the rows of a plain app id and of one with a quote and a backslash in it (the values are literals)', async () => {
    const plain = await runQueryCli(['app_events', 'app_id=shop-web', ...window])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('(3 rows)')
    const quoted = await runQueryCli(['app_events', `app_id=${QUOTED_APP}`, ...window])
    expect(quoted.code).toBe(0)
    expect(quoted.stdout).toContain('(1 row)')
  })

  it.each([
    ['statement injection', "'; DROP TABLE events; --"],
    ['tautology', "' OR 1=1 --"],
    ['closing the literal, then OR', "shop-web' OR app_id != '"],
    ['backslash-escaped quote', "\\' OR 1=1 --"],
    ['trailing backslash', 'shop-web\\'],
    ['double quotes and backticks', '" OR 1=1 -- `events`'],
    ['comment openers', 'shop-web/*'],
    ['a placeholder of the template', '{limit:UInt32}'],
    ['replacement patterns', "$& $' $`"],
    ['newline and tab', "shop-web\n' OR 1=1\t--"],
    ['unicode, quote lookalikes and RTL override', 'shop\u2019web \u02bc OR 1=1 \u202e 🚀 ünï'],
    ['a very long value', "'".repeat(5000)],
  ])('%s: exit 0 and no row', async (_label, value) => {
    const res = await runQueryCli(['app_events', `app_id=${value}`, ...window])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('(0 rows)')
  })

  it.each([
    ['limit with a statement', ['app_id=shop-web', 'limit=1; DROP TABLE events'], /parameter "limit" must be a whole number/],
    ['limit as an expression', ['app_id=shop-web', 'limit=1 OR 1=1'], /parameter "limit" must be a whole number/],
    ['time with a quote', ['app_id=shop-web', "from=2026-11-25') OR 1=1 --"], /parameter "from" must be an RFC 3339 time/],
    ['an unknown parameter name', ['app_id=shop-web', 'app_id) OR (1=1'], /unexpected argument|unknown parameter/],
    ['a parameter named like SQL', ['app_id=shop-web', "--1=1'='1"], /unknown parameter "1"/],
  ])('%s: refused with a parameter error (exit 2)', async (_label, args, message) => {
    const res = await runQueryCli(['app_events', ...args])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(message)
    expect(res.stdout).toBe('')
  })

  it('left the table and its rows alone', async () => {
    expect(await queryRows(config, `EXISTS TABLE events`)).toEqual([{ result: 1 }])
    expect(await eventCount()).toBe(4)
  })
})
