// Golden payloads shared by gateway and consumer tests. Add a payload here rather than a one-off test.
// Each wrapper (`*-batch.json`, `otlp-*.json`: description and expected answer) names its request body, a
// file of its own under bodies/ that can be posted as it is (`curl --data @schemas/examples/bodies/...`).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export type BatchExample = {
  file: string
  /** the postable body, relative to the repository root */
  bodyFile: string
  description: string
  request: { meta: Record<string, unknown>; data: unknown[] }
  expect: { status: number; code: number; parts: number[] }
}

/** A wrapper file with its `body` file read in as `request`. */
function readExample(dir: string, file: string) {
  const { body, ...wrapper } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { body: string } & Record<string, unknown>
  return { file, bodyFile: `schemas/examples/${body}`, ...wrapper, request: JSON.parse(readFileSync(join(dir, body), 'utf8')) }
}

export function batchExamples(): BatchExample[] {
  const dir = import.meta.dirname
  return readdirSync(dir)
    .filter((f) => f.endsWith('-batch.json'))
    .sort()
    .map((file) => readExample(dir, file) as BatchExample)
}

/** Kafka message values a consumer must dead-letter, with a fragment of the reason it must give. */
export const poisonMessages: { label: string; value: string | null; reason: string }[] = JSON.parse(
  readFileSync(join(import.meta.dirname, 'poison-messages.json'), 'utf8'),
)

export type OtlpExample = {
  file: string
  /** the postable body, relative to the repository root */
  bodyFile: string
  description: string
  signal: 'traces' | 'metrics' | 'logs'
  /** an OTLP/JSON Export*ServiceRequest */
  request: Record<string, unknown>
  /** rejected: the partial_success count; items: the mapped items (or their number) */
  expect: { rejected: number; items: number | Record<string, unknown>[] }
}

/** OTLP/JSON export requests (otlp-*.json), shared by the OTLP mapping and route tests. */
export function otlpExamples(): OtlpExample[] {
  const dir = import.meta.dirname
  return readdirSync(dir)
    .filter((f) => f.startsWith('otlp-') && f.endsWith('.json'))
    .sort()
    .map((file) => readExample(dir, file) as OtlpExample)
}
