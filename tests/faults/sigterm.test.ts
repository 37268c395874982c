// SIGTERM during load. The gateway stops accepting, finishes in-flight requests and flushes the producer:
// every 2xx it sent is in ClickHouse. A consumer finishes or abandons its batch and commits only what was
// inserted: right after it exits, every message below the group's committed offsets is in ClickHouse.
import { afterAll, describe, expect, it } from 'vitest'
import { LoadDriver, type Proc, chQuery, check, dropDatabase, expectExactlyOnce, offsets, readTopics, report, scenario, short, sleep, startConsumer, startGateway, type Scenario } from './harness.ts'

const scenarios: Scenario[] = []
const procs: Proc[] = []
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await dropDatabase(s)
})

describe('SIGTERM', () => {
  it('the gateway, during load', async () => {
    const s = scenario('sigterm-gateway')
    scenarios.push(s)
    const gw = await startGateway(s)
    const consumer = await startConsumer(s, 'consumer')
    procs.push(gw.proc, consumer)
    const load = new LoadDriver(gw.url, { appId: s.appId, concurrency: 6 }).start()
    await sleep(short ? 4_000 : 10_000)
    gw.proc.signal('SIGTERM')
    const termAt = Date.now()
    const exit = await gw.proc.exited
    const exitedAt = Date.now()
    await sleep(1_000)
    await load.stop()

    expect(exit).toEqual({ code: 0, signal: null })
    expect(gw.proc.count('stopped')).toBe(1)
    const inFlight = load.answers.filter((a) => a.startedAt < termAt && a.endedAt >= termAt)
    const after = load.answers.filter((a) => a.startedAt > exitedAt)
    // stopped accepting: nothing after the exit got an answer; nothing got a 5xx
    expect(after.length).toBeGreaterThan(0)
    expect(after.filter((a) => a.status !== 0)).toEqual([])
    expect(load.answers.filter((a) => a.status >= 500)).toEqual([])

    const result = await check(s, load.acked)
    report(s.name, result, `answered while draining ${inFlight.filter((a) => a.status === 200).length}, refused after exit ${after.length}, exit after ${exitedAt - termAt} ms`)
    expectExactlyOnce(result)
  })

  it('a consumer, during load', async () => {
    const s = scenario('sigterm-consumer')
    scenarios.push(s)
    const gw = await startGateway(s)
    const first = await startConsumer(s, 'consumer-1')
    procs.push(gw.proc, first)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    await sleep(short ? 4_000 : 10_000)
    first.signal('SIGTERM')
    const exit = await first.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(first.count('stopped')).toBe(1)

    // committed only what was inserted: every message below the committed offsets is in ClickHouse now,
    // before any other consumer could load more
    const committed = new Map((await offsets(s)).map((p) => [`${p.topic}/${p.partition}`, p.committed]))
    const belowCommit = await readTopics(s, committed)
    const loaded = new Set((await chQuery<{ b: string }>(s, 'SELECT toString(backend_id) AS b FROM events FINAL')).map((r) => r.b))
    expect(belowCommit.ids.length).toBeGreaterThan(0)
    expect(belowCommit.ids.filter((id) => !loaded.has(id))).toEqual([])

    const second = await startConsumer(s, 'consumer-2')
    procs.push(second)
    await sleep(3_000)
    await load.stop()
    const result = await check(s, load.acked)
    report(s.name, result, `${belowCommit.ids.length} items (${belowCommit.messages} records) committed by the stopped consumer, all of them in ClickHouse`)
    expectExactlyOnce(result)
  })
})
