// How an upload's accepted items become Kafka records (ARCHITECTURE.md "Kafka records"): consecutive items with
// the same partition key share one record whose value is their JSON joined by '\n' (NDJSON: JSON.stringify
// never writes a raw newline, so '\n' cannot occur inside an item). The key stays the partition key, so the
// partition, per-key order and the producer lane are what they were with one record per item; what is saved is
// the per-record work of the Kafka client, the broker and the consumer's decoder. Pure: no Kafka here.

export type PackedRecord = { key: string; value: string }

/**
 * Items → records, in order. A record takes the next item while the key is the same and its value stays within
 * `maxChars` characters (UTF-16 units, as LANE_REQUEST_BYTES counts; bytes for ASCII); an item longer than that
 * goes alone. `maxChars` 0 writes one item per record (the format before NDJSON records).
 */
export function packRecords<T>(items: readonly T[], keyOf: (item: T) => string, maxChars: number): PackedRecord[] {
  const records: PackedRecord[] = []
  let key = ''
  let value = ''
  let open = false
  for (const item of items) {
    const json = JSON.stringify(item)
    const itemKey = keyOf(item)
    if (open && itemKey === key && value.length + 1 + json.length <= maxChars) {
      value += '\n' + json
      continue
    }
    if (open) records.push({ key, value })
    key = itemKey
    value = json
    open = true
  }
  if (open) records.push({ key, value })
  return records
}
