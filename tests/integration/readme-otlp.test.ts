// The README's OpenTelemetry Node snippet, run as written: its `export OTEL_...` lines (the gateway's URL and
// the write key in place of 127.0.0.1:8080 and $KEY) and its otel-quickstart.mjs, with the SDK packages of
// this repository. The trace id it prints must come back from the `trace` query with its span.
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { INTEGRATION_DEV_KEY, integrationConfig, pipelineForTests, repoRoot, runId, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const running = pipelineForTests(config)
const run = promisify(execFile)
// inside the repository, so that its node_modules resolve the SDK packages (.local/ is git-ignored)
const script = `${repoRoot}.local/readme-otel-${id}.mjs`
afterAll(() => rmSync(script, { force: true }))

describe('the README OpenTelemetry Node snippet', () => {
  it('exports a span with the documented endpoint and header, and the printed trace command shows it', async () => {
    const readme = readFileSync(`${repoRoot}README.md`, 'utf8')
    const js = /```js\n(\/\/ otel-quickstart\.mjs[\s\S]*?)```/.exec(readme)?.[1]
    expect(js).toBeDefined()
    const exports = [...readme.matchAll(/^export (OTEL_EXPORTER_OTLP_\w+)=(.*)$/gm)]
    expect(exports.map((m) => m[1])).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS'])
    const env: Record<string, string> = {}
    for (const [, name, value] of exports) {
      env[name!] = value!.replace(/^"|"$/g, '').replace('$KEY', INTEGRATION_DEV_KEY).replace('http://127.0.0.1:8080', running.gateway.url)
    }
    writeFileSync(script, js!)
    const { stdout, stderr } = await run(process.execPath, [script], { cwd: repoRoot, env: { ...process.env, ...env } })
    expect(stderr).toBe('')
    const traceId = /^npm run query -- trace ([0-9a-f]{32})$/m.exec(stdout)?.[1]
    expect(traceId, stdout).toBeDefined()

    const printed = await waitFor('the span in ClickHouse', async () => {
      const q = await run(process.execPath, [`${repoRoot}scripts/query.ts`, 'trace', traceId!], { env: { ...process.env, CLICKHOUSE_URL: config.clickhouse.url, CLICKHOUSE_DATABASE: config.clickhouse.database } })
      return q.stdout.includes(': 1 span,') ? q.stdout : null
    }, 60_000, 500)
    expect(printed).toMatch(/GET \/hello {2}\[quickstart-node, internal\]/)
  })
})
