// Items that cannot be loaded go to the dead-letter topic with the reason, so their partition moves on. Each
// dead letter is one item: an item of an NDJSON record goes alone (its own bytes as the value), with the
// record's key and headers and where it was (source topic, partition, offset and `dlq-item-index`).
import type { Producer } from 'kafkajs'
import type { InboundMessage } from './inboundMessage.ts'

/** `item`: the item of an NDJSON record that failed (its index in the record and its bytes); absent for a one-item record */
export type DeadLetter = { message: InboundMessage; item?: { index: number; value: Buffer | null } | undefined; stage: 'map' | 'insert'; reason: string }

export interface DeadLetterSink {
  /** Resolves when the dead-letter topic has acknowledged every message (acks from all in-sync replicas). */
  send(items: DeadLetter[]): Promise<void>
}

export function createKafkaDeadLetterSink(producer: Producer, topic: string): DeadLetterSink {
  return {
    async send(items) {
      if (items.length === 0) return
      await producer.send({
        topic,
        acks: -1,
        messages: items.map(({ message, item, stage, reason }) => ({
          key: message.key,
          value: item ? item.value : message.value,
          headers: {
            ...message.headers,
            'dlq-reason': reason.slice(0, 2000),
            'dlq-stage': stage,
            'dlq-source-topic': message.topic,
            'dlq-source-partition': String(message.partition),
            'dlq-source-offset': message.offset,
            ...(item ? { 'dlq-item-index': String(item.index) } : {}),
            'dlq-failed-at': new Date().toISOString(),
          },
        })),
      })
    },
  }
}
