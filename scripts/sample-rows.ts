// node scripts/sample-rows.ts [--columns]
// Prints the rows the consumer would insert for the golden example payloads (schemas/examples/*-batch.json),
// one JSONEachRow line per accepted event, built with the gateway's and consumer's own pure steps: envelope
// check, per-event validation, enrichment (fixed request facts, real geo lookup), then the consumer's map to
// a ClickHouse row. No Kafka or ClickHouse is touched. Used by scripts/check_chdb.py.
// --columns prints the events table's column declaration (schemas/event.ts) as one JSON object instead.
import { loadConfig } from '../common/config.ts'
import { mapEventRow } from '../consumers/src/steps/mapEventRows.ts'
import { createGeoLookup } from '../gateway/src/geo.ts'
import { enrichEvents } from '../gateway/src/steps/enrichEvent.ts'
import { checkEnvelope, splitAndValidate } from '../gateway/src/steps/splitAndValidate.ts'
import { eventsTable } from '../schemas/event.ts'
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

const args = process.argv.slice(2)
if (args.some((a) => a !== '--columns')) {
  console.error('usage: node scripts/sample-rows.ts [--columns]')
  process.exit(2)
}
if (args.includes('--columns')) console.log(JSON.stringify(eventsTable.columns))
else for (const line of sampleRows()) console.log(line)
