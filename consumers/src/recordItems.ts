// The items of a Kafka record (ARCHITECTURE.md "Kafka records"). The gateway writes an upload's items of one
// partition key as one NDJSON record (content-type application/x-ndjson, one item's JSON a line); records
// without that content type (written before NDJSON records, with KAFKA_RECORD_MAX_BYTES=0, or the pipeline's
// own self-telemetry) hold one item. Items are subarrays of the record's value: no copies.
import { NDJSON_CONTENT_TYPE } from '../../common/recordFormat.ts'
import type { InboundMessage } from './inboundMessage.ts'

const NEWLINE = 0x0a

/** Whether the record's value is NDJSON (then each line is an item, and a dead letter names its item's index). */
export function isNdjson(message: Pick<InboundMessage, 'headers'>): boolean {
  return message.headers['content-type'] === NDJSON_CONTENT_TYPE
}

/** The record's items' bytes, in order. An empty line is an item too (the mapper refuses it: dead-lettered alone). */
export function recordItems(message: Pick<InboundMessage, 'headers' | 'value'>): Array<Buffer | null> {
  const value = message.value
  if (value === null || !isNdjson(message)) return [value]
  const items: Buffer[] = []
  let start = 0
  for (let nl = value.indexOf(NEWLINE); nl !== -1; nl = value.indexOf(NEWLINE, start)) {
    items.push(value.subarray(start, nl))
    start = nl + 1
  }
  items.push(value.subarray(start))
  return items
}

/** How many items the record holds (what recordItems would return, counted without slicing). */
export function itemCount(message: Pick<InboundMessage, 'headers' | 'value'>): number {
  const value = message.value
  if (value === null || !isNdjson(message)) return 1
  let n = 1
  for (let nl = value.indexOf(NEWLINE); nl !== -1; nl = value.indexOf(NEWLINE, nl + 1)) n++
  return n
}

/**
 * Consecutive chunks of whole records holding about `maxItems` items each (CONSUMER_BATCH_MAX_ROWS): a record
 * is never split across chunks, since offsets are committed per record; one record larger than the bound is a
 * chunk alone.
 */
export function chunksOfItems<M extends Pick<InboundMessage, 'headers' | 'value'>>(messages: M[], maxItems: number): M[][] {
  const chunks: M[][] = []
  let chunk: M[] = []
  let items = 0
  for (const m of messages) {
    const n = itemCount(m)
    if (chunk.length > 0 && items + n > maxItems) {
      chunks.push(chunk)
      chunk = []
      items = 0
    }
    chunk.push(m)
    items += n
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}
