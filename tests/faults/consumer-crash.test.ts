// kill -9 a consumer in the middle of a batch, several times, in each crash window, and restart it:
// before the insert, during it (the insert on the wire, its answer not read), and after ClickHouse
// answered but before the offset commit. FAULT_INJECT makes the consumer SIGKILL itself at that exact point.
// Negative control: a plain MergeTree copy of every inserted block (no deduplication) must show the
// replayed rows as duplicates after the after-insert crashes, proving the check can fail.
import { afterAll, describe, expect, it } from 'vitest'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { LoadDriver, type Proc, chCommand, chQuery, check, dropDatabase, expectExactlyOnce, report, scenario, short, startConsumer, startGateway, type Scenario } from './harness.ts'

const crashes = short ? 2 : 5
const scenarios: Scenario[] = []
const procs: Proc[] = []

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await dropDatabase(s)
})

describe('kill -9 a consumer mid-batch, then restart it', () => {
  it.each(['before-insert', 'during-insert', 'after-insert'] as const)('crash window %s', async (window) => {
    const s = scenario(`crash-${window}`, { CONSUMER_BATCH_MAX_ROWS: '50' })
    scenarios.push(s)
    await migrate(s.config.clickhouse)
    // every inserted block, copied without deduplication (the negative control)
    await chCommand(s, 'CREATE MATERIALIZED VIEW events_nodedup ENGINE = MergeTree ORDER BY backend_id AS SELECT backend_id FROM events')
    const gw = await startGateway(s)
    procs.push(gw.proc)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()

    let killed = 0
    for (let i = 0; i < crashes; i++) {
      // the 2nd or 3rd batch of each life, so every life first loads (and commits) something
      const consumer = await startConsumer(s, `consumer-${i}`, { FAULT_INJECT: `crash-${window}:${2 + (i % 2)}` })
      procs.push(consumer)
      const exit = await Promise.race([consumer.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))])
      expect(exit, `consumer life ${i} should have crashed at ${window}`).toEqual({ code: null, signal: 'SIGKILL' })
      expect(consumer.count('fault injection: SIGKILL')).toBe(1)
      killed++
    }
    await load.stop()
    const last = await startConsumer(s, 'consumer-final')
    procs.push(last)

    const result = await check(s, load.acked)
    const control = await check(s, load.acked, { source: 'events_nodedup', drainMs: 1 })
    report(s.name, result, `${killed} kills; without deduplication: duplicated ${control.duplicated}`)
    expectExactlyOnce(result)
    if (window === 'after-insert') expect(control.duplicated).toBeGreaterThan(0)
    // the console's counts come from events_rollup_1m, which every insert reaches, replays included: each event once there too
    const perMinute = await chQuery<{ events: string }>(s, bindQuery(shippedQueries().find((q) => q.name === 'events_per_minute')!, { from: '-1d', to: String(Date.now() + 86_400_000) }))
    const [final] = await chQuery<{ n: string }>(s, 'SELECT count() AS n FROM events FINAL')
    expect(perMinute.reduce((n, r) => n + Number(r.events), 0)).toBe(Number(final!.n))
    await last.stop()
    await gw.proc.stop()
  })
})
