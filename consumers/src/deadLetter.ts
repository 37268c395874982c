// Messages that cannot be loaded go to the dead-letter topic with the reason, so their partition moves on.
import type { Producer } from 'kafkajs'
import type { InboundMessage } from './inboundMessage.ts'

export type DeadLetter = { message: InboundMessage; stage: 'map' | 'insert'; reason: string }

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
        messages: items.map(({ message, stage, reason }) => ({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-reason': reason.slice(0, 2000),
            'dlq-stage': stage,
            'dlq-source-topic': message.topic,
            'dlq-source-partition': String(message.partition),
            'dlq-source-offset': message.offset,
            'dlq-failed-at': new Date().toISOString(),
          },
        })),
      })
    },
  }
}
