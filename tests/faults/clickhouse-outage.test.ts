// ClickHouse stops during load, then starts: consumers pause and retry without a crash loop, the lag
// drains afterwards, nothing is lost. And an insert that ClickHouse fails late (the last row of a large
// insert) is detected as an error with nothing stored, so the loader never commits that batch.
import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../common/clickhouse.ts'
import { uuidv7 } from '../../common/ids.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { InsertError, createClickHouseWriter } from '../../consumers/src/steps/insertRows.ts'
import { LoadDriver, type Proc, chQuery, check, dropDatabase, expectExactlyOnce, lag, report, scenario, short, sleep, stack, startConsumer, startGateway, waitFor, type Scenario } from './harness.ts'

const scenarios: Scenario[] = []
const procs: Proc[] = []
afterAll(async () => {
  await stack('up', 'clickhouse')
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await dropDatabase(s)
})

describe('ClickHouse faults', () => {
  it('ClickHouse stopped during load, then started', async () => {
    const s = scenario('clickhouse-stopped')
    scenarios.push(s)
    const gw = await startGateway(s)
    const consumer = await startConsumer(s, 'consumer')
    procs.push(gw.proc, consumer)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    await sleep(4_000)
    await stack('down', 'clickhouse')
    await sleep(short ? 12_000 : 30_000)
    const lagWhileDown = await lag(s)
    await stack('up', 'clickhouse')
    await sleep(3_000)
    await load.stop()
    const upAt = Date.now()
    await waitFor('the lag to drain', async () => (await lag(s)) === 0n, 120_000)
    const drainMs = Date.now() - upAt

    // paused and retried in the same process: no exit, no restart
    expect(consumer.running).toBe(true)
    expect(consumer.count('consumer started')).toBe(1)
    expect(consumer.count('insert failed; retrying')).toBeGreaterThan(0)
    expect(lagWhileDown).toBeGreaterThan(0n)
    // the gateway does not depend on ClickHouse: every answer was a 200
    expect(load.answers.filter((a) => a.status !== 200)).toEqual([])

    const result = await check(s, load.acked)
    report(s.name, result, `lag while down ${lagWhileDown}, drained ${drainMs} ms after restart, ${consumer.count('insert failed; retrying')} insert retries`)
    expectExactlyOnce(result)
  })

  it('an error ClickHouse finds at the end of an insert is detected, and nothing of it is stored', async () => {
    const s = scenario('clickhouse-late-error')
    scenarios.push(s)
    await migrate(s.config.clickhouse)
    const client = createClickHouse(s.config.clickhouse)
    const writer = createClickHouseWriter(client)
    const row = (i: number, timestamp = '2026-11-25 10:00:00') => ({ backend_id: uuidv7(), event_id: `late-${i}`, app_id: s.appId, timestamp, timestamp_ms: 1, properties: 'x'.repeat(200) })
    try {
      // ~5 MB; the only bad value is in the very last row, so ClickHouse has read everything before failing
      const rows = Array.from({ length: 20_000 }, (_, i) => row(i))
      rows.push(row(20_000, '+033658-09-27 01:46'))
      const err = await writer.insert('events', rows).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(InsertError)
      expect((err as InsertError).badRows).toBe(true)
      expect((err as InsertError).message).toContain('Cannot parse')
      expect(await chQuery(s, `SELECT count() AS n FROM events`)).toEqual([{ n: '0' }])
      // the same rows without the bad one go in
      await writer.insert('events', rows.slice(0, -1))
      expect(await chQuery(s, `SELECT count() AS n FROM events`)).toEqual([{ n: '20000' }])
    } finally {
      await client.close()
    }
  })
})
