// The broker stops (10+ s), or freezes (SIGSTOP, 20 s), during load. While it cannot acknowledge, the
// gateway answers 503 + Retry-After (never 2xx) within the produce timeout, /readyz says not ready, memory
// stays bounded; it recovers by itself, and every acknowledged event is loaded exactly once.
import { afterAll, describe, expect, it } from 'vitest'
import { LoadDriver, type Proc, check, dropDatabase, expectExactlyOnce, kafkaPid, report, rssBytes, scenario, sleep, stack, startConsumer, startGateway, waitFor, type Scenario } from './harness.ts'

const scenarios: Scenario[] = []
const procs: Proc[] = []
afterAll(async () => {
  try {
    process.kill(kafkaPid(), 'SIGCONT')
  } catch {
    // not running
  }
  await stack('up', 'kafka')
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await dropDatabase(s)
})

const produceTimeoutMs = 3_000

function pollReadiness(url: string) {
  const seen: { at: number; end: number; status: number }[] = []
  let on = true
  const loop = (async () => {
    while (on) {
      const at = Date.now()
      const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)
      seen.push({ at, end: Date.now(), status })
      await sleep(500)
    }
  })()
  return { seen, stop: async () => ((on = false), await loop) }
}

describe('Kafka broker faults', () => {
  it('broker stopped for 12 s, then started', async () => {
    const s = scenario('kafka-stopped')
    scenarios.push(s)
    const gw = await startGateway(s)
    const consumer = await startConsumer(s, 'consumer')
    procs.push(gw.proc, consumer)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    const ready = pollReadiness(gw.url)
    await sleep(4_000)

    await stack('down', 'kafka')
    const downAt = Date.now()
    await sleep(12_000)
    const upAt = Date.now()
    await stack('up', 'kafka')
    await waitFor('/readyz 200 again', async () => ready.seen.some((r) => r.at > upAt && r.status === 200), 90_000)
    const recoveredAt = Date.now()
    await waitFor('a 2xx after the restart', async () => load.answers.some((a) => a.startedAt > recoveredAt && a.status === 200), 60_000)
    await sleep(3_000)
    await load.stop()
    await ready.stop()

    const during = load.answers.filter((a) => a.startedAt > downAt && a.endedAt < upAt)
    expect(during.length).toBeGreaterThan(0)
    expect(during.filter((a) => a.status !== 503)).toEqual([])
    expect(new Set(during.map((a) => a.retryAfter))).toEqual(new Set(['2']))
    expect(load.answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([])
    // readiness follows the truth: not ready while down (after the 1 s probe cache), ready again after
    // (a probe counts if it started and ended while the broker was down)
    const readyDuring = ready.seen.filter((r) => r.at > downAt + 1_500 && r.end < upAt)
    expect(readyDuring.length).toBeGreaterThan(0)
    expect(readyDuring.filter((r) => r.status !== 503)).toEqual([])

    const result = await check(s, load.acked)
    report(s.name, result, `503 while down ${during.length}, 2xx after ${load.count((a) => a.startedAt > recoveredAt && a.status === 200)}`)
    expectExactlyOnce(result)
    expect(consumer.running).toBe(true)
  })

  it('broker frozen (SIGSTOP) for 20 s, then resumed', async () => {
    const s = scenario('kafka-frozen', { PRODUCE_TIMEOUT_MS: String(produceTimeoutMs) })
    scenarios.push(s)
    const gw = await startGateway(s)
    const consumer = await startConsumer(s, 'consumer')
    procs.push(gw.proc, consumer)
    const load = new LoadDriver(gw.url, { appId: s.appId, concurrency: 8 }).start()
    const ready = pollReadiness(gw.url)
    await sleep(4_000)
    const rssBefore = rssBytes(gw.proc.pid)
    let rssMax = rssBefore

    const pid = kafkaPid()
    process.kill(pid, 'SIGSTOP')
    const frozenAt = Date.now()
    try {
      while (Date.now() - frozenAt < 20_000) {
        rssMax = Math.max(rssMax, rssBytes(gw.proc.pid))
        await sleep(500)
      }
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    const resumedAt = Date.now()
    await waitFor('a 2xx after resuming', async () => load.answers.some((a) => a.startedAt > resumedAt && a.status === 200), 90_000)
    rssMax = Math.max(rssMax, rssBytes(gw.proc.pid))
    await sleep(3_000)
    await load.stop()
    await ready.stop()

    const during = load.answers.filter((a) => a.startedAt > frozenAt + 500 && a.endedAt < resumedAt)
    const latencies = during.map((a) => a.endedAt - a.startedAt).sort((a, b) => a - b)
    const median = latencies[Math.floor(latencies.length / 2)] ?? 0
    const worst = latencies.at(-1) ?? 0
    expect(during.length).toBeGreaterThan(0)
    expect(during.filter((a) => a.status !== 503)).toEqual([])
    // bounded: the produce timeout plus slack for a loaded 2-core machine, not the 20 s freeze
    expect(worst).toBeLessThan(produceTimeoutMs + 4_000)
    // bounded memory: requests are answered, not queued (a generous bound; the figure is printed)
    expect(rssMax - rssBefore).toBeLessThan(200 * 1024 * 1024)
    const readyFrozen = ready.seen.filter((r) => r.at > frozenAt + 3_000 && r.end < resumedAt)
    expect(readyFrozen.length).toBeGreaterThan(0)
    expect(readyFrozen.filter((r) => r.status !== 503)).toEqual([])

    const result = await check(s, load.acked)
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0)
    report(s.name, result, `503 while frozen ${during.length} (latency median ${median} ms, max ${worst} ms), gateway RSS ${mb(rssBefore)} → max ${mb(rssMax)} MB`)
    expectExactlyOnce(result)
    expect(consumer.running).toBe(true)
  })
})
