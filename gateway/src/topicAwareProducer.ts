// The gateway's EventProducer with the topics as configuration in front (common/kafkaTopics.ts): a topic is
// created with the configured partitions / replication / min ISR before the first write to it (never left
// to the broker's auto-creation), and readiness means "a write with acks=all can be acknowledged now":
// the broker answers and every topic written so far has a live leader and at least min ISR live in-sync
// replicas. A write that cannot be acknowledged (NOT_ENOUGH_REPLICAS, no leader) fails within the produce
// timeout like any other, and the request is answered 503 + Retry-After with nothing accepted.
import type { Logger } from '../../common/logger.ts'
import type { TopicAdmin } from '../../common/kafkaTopics.ts'
import { cachedProbe, type EventProducer } from './eventProducer.ts'

export function withTopicAdmin(producer: EventProducer, topics: Pick<TopicAdmin, 'ensure' | 'readiness' | 'close'>, log: Logger, timeoutMs: number): EventProducer {
  let lastReason: string | null = null
  const replicasReady = cachedProbe(async () => {
    const r = await topics.readiness()
    const reason = r.ok ? null : r.reason
    // logged when it changes, not at every probe
    if (reason !== lastReason) {
      if (reason) log.warn('kafka cannot acknowledge writes now: not ready', { reason })
      else log.info('kafka can acknowledge writes again: ready')
      lastReason = reason
    }
    if (!r.ok) throw new Error(r.reason)
  }, timeoutMs)
  return {
    async send(topic, messages) {
      await topics.ensure(topic)
      await producer.send(topic, messages)
    },
    isReady: async () => (await producer.isReady()) && (await replicasReady()),
    async close() {
      await producer.close()
      await topics.close()
    },
  }
}
