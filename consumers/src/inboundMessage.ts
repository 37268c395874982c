// One fetched Kafka message as the loader sees it (kafkaSource.ts makes them): where it came from, its key,
// value and headers as text.
export type InboundMessage = {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
}
