// The events row as one TabSeparated line, straight from the enriched event: the same bytes as toEventRow's
// row written by consumers/src/steps/encodeRows.ts, without the 24-field row object in between
// (consumers/test/eventRowLine.test.ts holds the two together). Pure.
import { eventsTable, type EnrichedEvent } from './event.ts'
import { dateTimeText } from './telemetryType.ts'
import { tabSeparatedText as t } from './tabSeparated.ts'

/** toEventRow's columns, in its order (the table's, inserted_at left to ClickHouse) */
export const eventRowColumns: readonly string[] = Object.keys(eventsTable.columns).filter((c) => c !== 'inserted_at')

export function eventRowLine(e: EnrichedEvent): string {
  return (
    `${t(e.backend_id)}\t${t(e.event_id)}\t${t(e.app_id)}\t${t(e.category)}\t${t(e.name)}\t` +
    `${dateTimeText(e.timestamp)}\t${e.timestamp}\t${e.client_timestamp}\t${dateTimeText(e.received_at)}\t${e.received_at}\t${e.sent_at ?? 0}\t` +
    `${t(e.time_correction)}\t${t(e.ip)}\t${t(e.country)}\t${t(e.region)}\t${t(e.city)}\t${t(JSON.stringify(e.properties))}\t` +
    `${t(e.trace_id)}\t${t(e.span_id)}\t${t(e.sdk_name)}\t${t(e.sdk_version)}\t${t(e.device_id)}\t${t(JSON.stringify(e.context))}\t${t(e.request_id)}\n`
  )
}
