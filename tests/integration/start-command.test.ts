// The README's start command as a user runs it: `npm start` (scripts/start.ts) as a child process, the
// README's curl example against it as soon as the banner is printed, the rows in ClickHouse, then SIGTERM stops what it started.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { dropDatabase, integrationConfig, postJson, queryRows, repoRoot, runId, waitFor } from './harness.ts'

const id = runId()
const port = 18_000 + Math.floor(Math.random() * 2000)
const config = integrationConfig(id)
const env = {
  ...process.env,
  PORT: String(port),
  TOPIC_TEMPLATE: config.gateway.topicTemplate,
  DEAD_LETTER_TOPIC: config.consumer.deadLetterTopic,
  CONSUMER_GROUP: config.consumer.groupId,
  CLICKHOUSE_DATABASE: config.clickhouse.database,
  CONSUMER_TOPIC_REFRESH_MS: '500',
  DEV_WRITE_KEY: undefined, // npm start makes and prints one
  CONSOLE_PORT: String(port + 1),
  // the stack's telemetry_reader may read only the database `telemetry`; this run has a database of its own
  // (readonly=1 is still set on every console query)
  CLICKHOUSE_QUERY_USER: 'default',
  SELF_METRICS_INTERVAL_MS: '2000',
}
let child: ChildProcess
let output = ''

afterAll(async () => {
  if (process.env.SHOW_START_OUTPUT) console.log(output)
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await dropDatabase(config)
})

describe('npm start', () => {
  it('brings the pipeline up and the README curl example lands in ClickHouse', async () => {
    child = spawn(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}scripts/start.ts`], { env, cwd: repoRoot })
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    // the banner comes only once the gateway is ready: a request right after it is answered
    await waitFor('the banner', async () => output.includes('pipeline running'), 90_000, 50)
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
    const curl = `curl -sS -H "Authorization: Bearer $KEY" -H 'content-type: application/json' --data @schemas/examples/quickstart.json http://127.0.0.1:${port}/v1/batch`
    expect(output).toContain(curl)
    // the README shows the same line for the default port
    expect(readFileSync(`${repoRoot}README.md`, 'utf8')).toContain(curl.replace(`:${port}/`, ':8080/'))
    const key = /export KEY=(dev_[A-Za-z0-9_-]{32})\n/.exec(output)?.[1]
    expect(key).toBeDefined()

    const body = JSON.parse(readFileSync(`${repoRoot}schemas/examples/quickstart.json`, 'utf8'))
    const unauthenticated = await postJson(`http://127.0.0.1:${port}/v1/batch`, body, { authorization: '' })
    expect(unauthenticated.status).toBe(401)
    const res = await postJson(`http://127.0.0.1:${port}/v1/batch`, body, { authorization: `Bearer ${key}` })
    expect(res.status).toBe(206)
    expect(res.body.parts.map((p) => p.code)).toEqual([0, 0, 1001])
    const rows = await waitFor('quickstart rows', async () => {
      const r = await queryRows<{ event_id: string; country: string }>(config, `SELECT event_id, country FROM events FINAL WHERE app_id = 'quickstart' ORDER BY event_id`)
      return r.length === 2 ? r : null
    }, 60_000)
    expect(rows).toEqual([
      { event_id: 'qs-1', country: 'US' },
      { event_id: 'qs-2', country: 'GB' },
    ])
  })

  it('prints the console address, and the console shows the upload in the funnel', async () => {
    expect(output).toContain(`console:      http://127.0.0.1:${port + 1}`)
    expect((await fetch(`http://127.0.0.1:${port + 1}/ingest`)).status).toBe(200)
    const funnel = await waitFor('the funnel', async () => {
      const res = (await (await fetch(`http://127.0.0.1:${port + 1}/api/query/ingest_funnel?from=-10m`)).json()) as { rows: string[][] }
      const sum = (stage: string) => res.rows.filter((r) => r[1] === stage).reduce((n, r) => n + Number(r[3]), 0)
      return sum('received') === 3 && sum('landed') === 2 ? { accepted: sum('accepted'), refused: sum('refused') } : null
    }, 30_000)
    expect(funnel).toEqual({ accepted: 2, refused: 1 })
  })

  it('stops gateway and consumers on SIGTERM, and leaves the already-running stack alone', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).toContain('"msg":"stopped"')
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
    // the stack was up before this test, so start.ts must not have stopped it
    expect((await fetch(`${config.clickhouse.url}/ping`)).status).toBe(200)
  })
})
