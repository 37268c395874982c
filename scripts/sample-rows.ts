// node scripts/sample-rows.ts [--table <name>] [--columns]
// Prints the rows the consumer would insert for the golden example payloads (schemas/examples/*-batch.json),
// one JSONEachRow line per accepted event, built with the gateway's and consumer's own pure steps: envelope
// check, per-event validation, enrichment (fixed request facts, real geo lookup), then the consumer's map to
// a ClickHouse row. No Kafka or ClickHouse is touched. Used by scripts/check_chdb.py.
// --table spans | metric_points | logs: the rows of that table instead (the spans / metrics / logs examples,
// through the typed steps); default events. --columns prints the table's column declaration as one JSON object.
import { loadConfig } from '../common/config.ts'
import { mapEventRow } from '../consumers/src/steps/mapEventRows.ts'
import { createGeoLookup } from '../gateway/src/geo.ts'
import { enrichEvents } from '../gateway/src/steps/enrichEvent.ts'
import { enrichItems } from '../gateway/src/steps/enrichItems.ts'
import { checkEnvelope, splitAndValidate, splitAndValidateItems } from '../gateway/src/steps/splitAndValidate.ts'
import { mapTypedRow } from '../consumers/src/steps/mapTelemetryRows.ts'
import { eventsTable } from '../schemas/event.ts'
import { telemetryTypes, typeForCategory } from '../schemas/telemetryTypes.ts'
import { batchExamples } from '../schemas/examples/index.ts'

// Fixed request facts, so every run gives the same rows (except the random bits of backend_id).
const RECEIVED_AT = 1764064900000 // 2025-11-25T10:01:40Z
const CLIENT_IP = '81.2.69.142'
const MAX_FUTURE_MS = 86_400_000

function sampleRows(): string[] {
  const config = loadConfig({})
  const geo = createGeoLookup()
  const lines: string[] = []
  for (const example of batchExamples()) {
    const checked = checkEnvelope(example.request, config.limits)
    if (!checked.ok) continue // a batch refused whole inserts nothing
    const { meta, data } = checked.envelope
    if (typeForCategory(meta.category)) continue // spans / metrics / logs: typedRows
    const validated = splitAndValidate(data, config.limits)
    const enriched = enrichEvents(validated, { requestId: 'sample', receivedAt: RECEIVED_AT, clientIp: CLIENT_IP, meta, maxFutureMs: MAX_FUTURE_MS, ipAnonymization: 'off' }, geo)
    for (const outcome of enriched) {
      if (!outcome.ok) continue
      const mapped = mapEventRow(Buffer.from(JSON.stringify(outcome.event)))
      if (!mapped.ok) throw new Error(`${example.file} event ${outcome.index}: consumer refused an accepted event: ${mapped.reason}`)
      lines.push(JSON.stringify(mapped.row))
    }
  }
  return lines
}

/** The rows of one typed table (spans, metric_points, logs) for its golden examples, through the typed steps. */
function typedRows(table: string): string[] {
  const config = loadConfig({})
  const lines: string[] = []
  for (const example of batchExamples()) {
    const checked = checkEnvelope(example.request, config.limits)
    if (!checked.ok) continue
    const type = typeForCategory(checked.envelope.meta.category)
    if (!type || type.table.name !== table) continue
    const validated = splitAndValidateItems(checked.envelope.data, type, config.limits)
    for (const outcome of enrichItems(validated, type, { requestId: 'sample', receivedAt: RECEIVED_AT, appId: checked.envelope.meta.app_id })) {
      if (!outcome.ok) continue
      const mapped = mapTypedRow(type, Buffer.from(JSON.stringify(outcome.event)))
      if (!mapped.ok) throw new Error(`${example.file} item ${outcome.index}: consumer refused an accepted item: ${mapped.reason}`)
      lines.push(JSON.stringify(mapped.row))
    }
  }
  return lines
}

const typedTables = new Map(Object.values(telemetryTypes).map((t) => [t.table.name as string, t.table.columns as Record<string, string>]))
const args = process.argv.slice(2)
const tableAt = args.indexOf('--table')
const table = tableAt >= 0 ? args[tableAt + 1] : 'events'
const rest = args.filter((_a, i) => i !== tableAt && i !== tableAt + 1)
if (rest.some((a) => a !== '--columns') || (table !== 'events' && !typedTables.has(table ?? ''))) {
  console.error(`usage: node scripts/sample-rows.ts [--table events|${[...typedTables.keys()].join('|')}] [--columns]`)
  process.exit(2)
}
if (rest.includes('--columns')) console.log(JSON.stringify(table === 'events' ? eventsTable.columns : typedTables.get(table!)))
else for (const line of table === 'events' ? sampleRows() : typedRows(table!)) console.log(line)
