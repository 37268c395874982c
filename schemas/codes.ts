// The response protocol of POST /v1/batch. Every non-zero part code is listed here with whether sending
// the same event again can succeed; README.md's API table is generated from the same facts (tests check).

/** Top-level `code`: what happened to the batch as a whole. */
export const BatchCode = {
  ALL_ACCEPTED: 0, // HTTP 200
  PARTIAL: 1, // HTTP 206
  NONE_ACCEPTED: 2, // HTTP 400 / 413 / 415 / 503
} as const

export type PartReason = keyof typeof partCodes

/** Per-event `code` in `parts[]`. 0 = accepted. */
export const partCodes = {
  ACCEPTED: { code: 0, retryable: false, description: 'accepted: written to Kafka and acknowledged' },
  INVALID_EVENT: { code: 1001, retryable: false, description: 'the event does not match the event schema' },
  EVENT_TOO_LARGE: { code: 1002, retryable: false, description: 'the event is larger than LIMIT_EVENT_BYTES' },
  PROPERTIES_TOO_DEEP: { code: 1003, retryable: false, description: 'properties nest deeper than LIMIT_PROPERTY_DEPTH' },
  TOO_MANY_PROPERTIES: { code: 1004, retryable: false, description: 'properties hold more keys than LIMIT_PROPERTY_KEYS' },
  DUPLICATE_ID: { code: 1005, retryable: false, description: 'an earlier event in the same batch has the same id' },
  INVALID_IP: { code: 1006, retryable: false, description: 'the ip field is not an IPv4 or IPv6 address' },
  KAFKA_UNAVAILABLE: { code: 2001, retryable: true, description: 'Kafka did not acknowledge in time; nothing of this batch was accepted; send again later' },
} as const
