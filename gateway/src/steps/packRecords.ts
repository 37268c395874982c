// How an upload's accepted items become Kafka records (ARCHITECTURE.md "Kafka records"): an upload's items with
// the same partition key share one record whose value is their JSON joined by '\n' (NDJSON: JSON.stringify
// never writes a raw newline, so '\n' cannot occur inside an item). The key stays the partition key, so the
// partition, per-key order and the producer lane are what they were with one record per item; what is saved is
// the per-record work of the Kafka client, the broker and the consumer's decoder. Items are grouped by key over
// the whole upload, not only in runs: OTLP requests interleave traces' spans and series' points, and order is
// only ever promised per key. Pure: no Kafka here.

export type PackedRecord = { key: string; value: string }

type OpenRecord = { key: string; value: string; cut: PackedRecord[] }

/**
 * Items → records. Each key's items stay in their order; keys come in the order of their first item. A record
 * takes its key's next item while its value stays within `maxChars` characters (UTF-16 units, as
 * LANE_REQUEST_BYTES counts; bytes for ASCII); an item longer than that goes alone. `maxChars` 0 writes one
 * item per record, in the items' order (the format before NDJSON records).
 */
export function packRecords<T>(items: readonly T[], keyOf: (item: T) => string, maxChars: number): PackedRecord[] {
  if (maxChars === 0) return items.map((item) => ({ key: keyOf(item), value: JSON.stringify(item) }))
  const byKey = new Map<string, OpenRecord>()
  let last: OpenRecord | undefined
  for (const item of items) {
    const json = JSON.stringify(item)
    const key = keyOf(item)
    // most uploads are one key (one device, one trace): skip the map lookup while the key repeats
    const open = last !== undefined && last.key === key ? last : byKey.get(key)
    if (open === undefined) {
      last = { key, value: json, cut: [] }
      byKey.set(key, last)
      continue
    }
    last = open
    if (open.value.length + 1 + json.length <= maxChars) {
      open.value += '\n' + json
    } else {
      open.cut.push({ key, value: open.value })
      open.value = json
    }
  }
  const records: PackedRecord[] = []
  for (const open of byKey.values()) records.push(...open.cut, { key: open.key, value: open.value })
  return records
}
