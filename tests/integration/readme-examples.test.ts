// A new user following the README: every curl in its `sh` blocks that posts an example file, then every
// `npm run query` line of those blocks, against the real gateway and a fresh database. Each query must
// print rows (a table with at least one row, or a trace with spans), exit 0.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { INTEGRATION_DEV_KEY, countRows, integrationConfig, pipelineForTests, repoRoot, runId, waitFor } from './harness.ts'

const config = integrationConfig(runId())
const running = pipelineForTests(config)
const run = promisify(execFile)

const shLines = [...readFileSync(`${repoRoot}README.md`, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'))
const curls = shLines.filter((l) => l.startsWith('curl ') && l.includes('--data @schemas/examples/'))
const queries = shLines.filter((l) => l.startsWith('npm run query -- ')).map((l) => l.replace(/\s+#.*$/, ''))

describe('the README example commands', () => {
  it('posts the example bodies with the README curls', async () => {
    expect(curls.length).toBeGreaterThanOrEqual(11)
    for (const line of curls) {
      const command = line.replaceAll('http://127.0.0.1:8080', running.gateway.url)
      const { stdout } = await run('bash', ['-c', `${command} -o /dev/null -w '%{http_code}'`], { cwd: repoRoot, env: { ...process.env, KEY: INTEGRATION_DEV_KEY } })
      expect(['200', '206', '400'], line).toContain(stdout)
    }
    // all loaded: the typed tables and the events table hold what was accepted
    await waitFor('the examples loaded', async () => {
      const counts = await Promise.all(['events', 'spans', 'metric_points', 'logs'].map((t) => countRows(config, `SELECT count() AS n FROM ${t}`)))
      return counts.every((n) => n > 0)
    }, 60_000)
    await new Promise((r) => setTimeout(r, 1500)) // the last batches of the other topics
  })

  it.each(queries.map((q) => [q] as const))('%s prints rows', async (line) => {
    const args = line.replace('npm run query -- ', '').split(/\s+/)
    const { stdout, stderr } = await run(process.execPath, [`${repoRoot}scripts/query.ts`, ...args], { cwd: repoRoot, env: { ...process.env, CLICKHOUSE_URL: config.clickhouse.url, CLICKHOUSE_DATABASE: config.clickhouse.database } })
    expect(stderr).toBe('')
    if (args[0] === 'trace') expect(stdout).toMatch(/^trace [0-9a-f]{32}: [1-9]\d* spans?,/)
    else expect(stdout).toMatch(/\((?:[1-9]\d*) rows?\)\n$/)
  })
})
