// Micro-batching across requests, shared by both Kafka producers (neither kafkajs nor @platformatic/kafka has
// a linger of its own for promise sends): requests arriving within KAFKA_LINGER_MS share one produce call, so
// the broker round trip, the record-batch framing and the compression call are paid per batch, not per
// upload. Each request still resolves only when its own messages are acknowledged (acks=-1). A failed batch of
// several requests is sent again one request at a time, so one partition that cannot be written (its leader
// just died, NOT_ENOUGH_REPLICAS) fails only the requests writing to it, not every request that shared its
// batch; the produce timeout still bounds the whole. (Messages the failed batch did write are then in Kafka
// twice, with the same backend_id: the ReplacingMergeTree counts them once.)
import type { OutgoingMessage } from './eventProducer.ts'

export type TopicMessages = { topic: string; messages: OutgoingMessage[] }

export type LingerBatcher = {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>
  /** Sends what is waiting and resolves once every batch already sent has settled. */
  drain(): Promise<void>
}

/** A batch is sent at this many messages even before the linger time is up. */
export const FLUSH_AT_MESSAGES = 5_000

export function createLingerBatcher(lingerMs: number, sendBatch: (topicMessages: TopicMessages[]) => Promise<void>): LingerBatcher {
  type Waiting = { topic: string; messages: OutgoingMessage[]; resolve: () => void; reject: (e: unknown) => void }
  let waiting: Waiting[] = []
  let waitingMessages = 0
  let timer: NodeJS.Timeout | null = null
  const sending = new Set<Promise<void>>()

  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = null
    const batch = waiting
    waiting = []
    waitingMessages = 0
    const byTopic = new Map<string, OutgoingMessage[]>()
    for (const w of batch) {
      const list = byTopic.get(w.topic)
      if (list) for (const m of w.messages) list.push(m)
      else byTopic.set(w.topic, w.messages.slice())
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }))
    const sent = Promise.resolve()
      .then(() => sendBatch(topicMessages))
      .then(
        () => batch.forEach((w) => w.resolve()),
        async (err) => {
          if (batch.length === 1) return batch[0]!.reject(err)
          await Promise.all(batch.map((w) => sendBatch([{ topic: w.topic, messages: w.messages }]).then(w.resolve, w.reject)))
        },
      )
    sending.add(sent)
    void sent.finally(() => sending.delete(sent))
  }

  return {
    send(topic, messages) {
      if (lingerMs === 0) return sendBatch([{ topic, messages }])
      return new Promise<void>((resolve, reject) => {
        waiting.push({ topic, messages, resolve, reject })
        waitingMessages += messages.length
        if (waitingMessages >= FLUSH_AT_MESSAGES) flush()
        else timer ??= setTimeout(flush, lingerMs)
      })
    },
    async drain() {
      if (waiting.length > 0) flush()
      await Promise.allSettled([...sending])
    },
  }
}
