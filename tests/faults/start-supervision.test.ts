// `npm start` supervises its parts: SIGKILL the consumers' process, then the gateway's, under load. While
// the loader is dead, uploads keep being acknowledged (Kafka holds them); each killed part is restarted by
// scripts/start.ts; at the end every acknowledged event is in ClickHouse exactly once.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { LoadDriver, check, dropDatabase, expectExactlyOnce, faultStack, repoRoot, report, scenario, short, sleep, waitFor } from './harness.ts'

const s = scenario('start-supervision')
// from the range of extra servers of this machine's worktrees (46000-46999), or any free port elsewhere
const port = 46_000 + Math.floor(Math.random() * 1000)
let start: ChildProcess | undefined
let output = ''

afterAll(async () => {
  if (start && start.exitCode === null) start.kill('SIGKILL')
  await dropDatabase(s)
})

const pidOf = (part: string): number[] => [...output.matchAll(new RegExp(`start: ${part} running \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]))

async function killAndWaitForRestart(part: 'consumers' | 'gateway', load: LoadDriver) {
  const before = pidOf(part)
  process.kill(before.at(-1)!, 'SIGKILL')
  const ackedAtKill = load.acked.size
  await waitFor(`${part} to be restarted`, async () => pidOf(part).length > before.length, 60_000, 200)
  return ackedAtKill
}

describe('npm start supervision', () => {
  it('restarts a SIGKILLed consumer and gateway; uploads keep being acknowledged; everything lands once', async () => {
    start = spawn(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}scripts/start.ts`], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...s.env,
        PORT: String(port),
        GATEWAY_WORKERS: '2', // as `npm start` runs on a 2-core machine: a cluster primary and its workers
        STACK_HOME: faultStack.home,
        STACK_KAFKA_PORT: String(faultStack.kafkaPort),
        STACK_KAFKA_CONTROLLER_PORT: String(faultStack.kafkaControllerPort),
        STACK_CLICKHOUSE_HTTP_PORT: String(faultStack.clickhouseHttpPort),
        STACK_CLICKHOUSE_TCP_PORT: String(faultStack.clickhouseTcpPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    start.stdout!.on('data', (d) => (output += d))
    start.stderr!.on('data', (d) => (output += d))
    await waitFor('the banner', async () => output.includes('pipeline running'), 120_000, 200)
    const url = `http://127.0.0.1:${port}`
    const load = new LoadDriver(url, { appId: s.appId }).start()
    await waitFor('first acknowledgements', async () => load.acked.size > 200, 30_000, 100)

    // the loader dies: the gateway goes on acknowledging while it is down and after
    const ackedAtConsumerKill = await killAndWaitForRestart('consumers', load)
    const ackedAtConsumerRestart = load.acked.size
    expect(ackedAtConsumerRestart, 'acknowledged while the consumers were down').toBeGreaterThan(ackedAtConsumerKill)
    expect(output).toMatch(/start: consumers exited \(SIGKILL\); restarting it in/)
    await sleep(short ? 3_000 : 8_000)

    // the gateway dies: requests fail until it is back, then are acknowledged again
    const ackedAtGatewayKill = await killAndWaitForRestart('gateway', load)
    expect(output).toMatch(/start: gateway exited \(SIGKILL\); restarting it in/)
    await waitFor('the restarted gateway to acknowledge', async () => load.acked.size > ackedAtGatewayKill + 200, 60_000, 200)
    await sleep(short ? 2_000 : 8_000)
    await load.stop()

    expect(start.exitCode, 'npm start still running').toBeNull()
    const refused = load.count((a) => a.status !== 0 && a.status !== 200)
    const result = await check(s, load.acked)
    report(s.name, result, `consumers and gateway SIGKILLed once each; acknowledged while the consumers were down ${ackedAtConsumerRestart - ackedAtConsumerKill}; non-200 answers ${refused}; connection errors ${load.count((a) => a.status === 0)}`)
    expectExactlyOnce(result)
    // only connection errors while the gateway was down, never a 5xx
    expect(load.count((a) => a.status >= 500)).toBe(0)

    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)))
    start.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
