// Every postable example body (schemas/examples/bodies/, what the README tells you to `curl --data @`), posted
// as its file's bytes to the real gateway, gets the answer its wrapper expects and stores exactly the items
// it accepted in ClickHouse (counted by the answer's request id).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { batchExamples, otlpExamples } from '../../schemas/examples/index.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { INTEGRATION_DEV_KEY, countRows, integrationConfig, pipelineForTests, repoRoot, runId, waitFor } from './harness.ts'

const config = integrationConfig(runId())
const running = pipelineForTests(config)
const otlpTable = { traces: 'spans', metrics: 'metric_points', logs: 'logs' } as const

async function postFile(path: string, file: string) {
  const res = await fetch(`${running.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INTEGRATION_DEV_KEY}` },
    body: readFileSync(`${repoRoot}${file}`),
  })
  return { status: res.status, requestId: res.headers.get('x-request-id')!, body: (await res.json()) as Record<string, unknown> }
}

async function expectStored(table: string, requestId: string, n: number) {
  const stored = () => countRows(config, `SELECT count() AS n FROM ${table} FINAL WHERE request_id = '${requestId}'`)
  if (n > 0) await waitFor(`${n} rows in ${table}`, async () => (await stored()) >= n, 60_000)
  else await new Promise((r) => setTimeout(r, 1500)) // nothing should arrive: give it the time to
  expect(await stored()).toBe(n)
}

describe('example bodies posted as files to the real gateway', () => {
  it.each(batchExamples().map((e) => [e.bodyFile, e] as const))('%s → /v1/batch', async (_f, example) => {
    const res = await postFile('/v1/batch', example.bodyFile)
    expect(res.status).toBe(example.expect.status)
    const parts = res.body.parts as { code: number }[]
    expect(parts.map((p) => p.code)).toEqual(example.expect.parts)
    const table = typeForCategory(String(example.request.meta.category))?.table.name ?? 'events'
    await expectStored(table, res.requestId, example.expect.parts.filter((c) => c === 0).length)
  })

  it.each(otlpExamples().map((e) => [e.bodyFile, e] as const))('%s → its OTLP route', async (_f, example) => {
    const res = await postFile(`/v1/${example.signal}`, example.bodyFile)
    expect(res.status).toBe(200)
    const partial = res.body.partialSuccess as Record<string, string>
    expect(Object.entries(partial).find(([k]) => k.startsWith('rejected'))?.[1]).toBe(String(example.expect.rejected))
    // expect.items: the mapped items (refused ones included, except unsupported metric kinds, which never map)
    const mapped = typeof example.expect.items === 'number' ? example.expect.items : example.expect.items.length
    const accepted = mapped + (example.signal === 'metrics' ? example.expect.rejected : 0) - example.expect.rejected
    expect(accepted).toBeGreaterThan(0)
    await expectStored(otlpTable[example.signal], res.requestId, accepted)
  })
})
