// Rebalance under load: a second consumer joins the group, then the first is killed (-9); the second takes
// over every partition, nothing is lost and nothing counts twice.
import { afterAll, describe, expect, it } from 'vitest'
import { LoadDriver, type Proc, check, dropDatabase, expectExactlyOnce, lag, report, scenario, short, sleep, startConsumer, startGateway, waitFor } from './harness.ts'

const s = scenario('rebalance')
const procs: Proc[] = []
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()))
  await dropDatabase(s)
})

describe('rebalance', () => {
  it('a second consumer joins during load, then the first is killed', async () => {
    const gw = await startGateway(s)
    const first = await startConsumer(s, 'consumer-1')
    procs.push(gw.proc, first)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    await sleep(short ? 3_000 : 8_000)
    const second = await startConsumer(s, 'consumer-2')
    procs.push(second)
    await sleep(short ? 5_000 : 10_000)
    first.signal('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    await sleep(short ? 5_000 : 10_000)
    await load.stop()

    const result = await check(s, load.acked)
    await waitFor('the group to have committed everything', async () => (await lag(s)) === 0n, 60_000)
    report(s.name, result, 'first consumer killed after the second joined')
    expectExactlyOnce(result)
    expect(second.running).toBe(true)
  })
})
