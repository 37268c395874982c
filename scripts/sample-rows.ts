// node scripts/sample-rows.ts [--table <name>] [--columns]
// Prints the rows the consumer would insert for the golden example payloads (schemas/examples/*-batch.json),
// one JSONEachRow line per accepted event, built with the gateway's and consumer's own pure steps: envelope
// check, per-event validation, enrichment (fixed request facts, real geo lookup), then the consumer's map to
// a ClickHouse row. No Kafka or ClickHouse is touched. Used by scripts/check_chdb.py.
// --table spans | metric_points | logs: the rows of that table instead (the spans / metrics / logs examples,
// through the same steps); default events. --columns prints the table's column declaration as one JSON object.
import { loadConfig } from '../common/config.ts'
import { mapRow } from '../consumers/src/steps/mapRows.ts'
import { batchItems } from '../gateway/src/batchItems.ts'
import { createGeoLookup } from '../gateway/src/geo.ts'
import { checkEnvelope } from '../gateway/src/steps/splitAndValidate.ts'
import { eventsTable } from '../schemas/event.ts'
import { telemetryTypes } from '../schemas/telemetryTypes.ts'
import { batchExamples } from '../schemas/examples/index.ts'

// Fixed request facts, so every run gives the same rows (except the random bits of backend_id).
const RECEIVED_AT = 1764064900000 // 2025-11-25T10:01:40Z
const CLIENT_IP = '81.2.69.142'

/** The rows of one table for its golden examples, through the gateway's validate and enrich steps and the consumer's mapper. */
function sampleRows(table: string): string[] {
  const config = loadConfig({})
  const geo = createGeoLookup()
  const lines: string[] = []
  for (const example of batchExamples()) {
    const checked = checkEnvelope(example.request, config.limits)
    if (!checked.ok) continue // a batch refused whole inserts nothing
    const { type, outcomes } = batchItems(checked.envelope, config.limits, { requestId: 'sample', receivedAt: RECEIVED_AT, clientIp: CLIENT_IP, geo })
    if (type.table.name !== table) continue
    for (const outcome of outcomes) {
      if (!outcome.ok) continue
      const mapped = mapRow(type, Buffer.from(JSON.stringify(outcome.item)))
      if (!mapped.ok) throw new Error(`${example.file} item ${outcome.index}: consumer refused an accepted item: ${mapped.reason}`)
      lines.push(JSON.stringify(mapped.row))
    }
  }
  return lines
}

const tables = new Map(telemetryTypes.map((t) => [t.table.name as string, t.table.columns as Record<string, string>]))
const args = process.argv.slice(2)
const tableAt = args.indexOf('--table')
const table = tableAt >= 0 ? args[tableAt + 1]! : eventsTable.name
const rest = args.filter((_a, i) => i !== tableAt && i !== tableAt + 1)
if (rest.some((a) => a !== '--columns') || !tables.has(table)) {
  console.error(`usage: node scripts/sample-rows.ts [--table ${[...tables.keys()].join('|')}] [--columns]`)
  process.exit(2)
}
if (rest.includes('--columns')) console.log(JSON.stringify(tables.get(table)))
else for (const line of sampleRows(table)) console.log(line)
