// The content types of the pipeline's Kafka records (ARCHITECTURE.md "Kafka records"), shared by the gateway,
// which writes them (gateway/src/steps/packRecords.ts), and the consumers, which split them (consumers/src/recordItems.ts).

/** One or more items, one JSON a line ('\n' never occurs inside an item's JSON). */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson'
/** Exactly one item (KAFKA_RECORD_MAX_BYTES=0, and records written before NDJSON records); a record without content-type is read the same. */
export const JSON_CONTENT_TYPE = 'application/json'
