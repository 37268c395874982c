// The gateway's one door to Kafka. Steps depend on the EventProducer interface; unit tests pass a fake,
// the running gateway passes the kafkajs implementation below or the @platformatic/kafka one
// (platformaticEventProducer.ts), chosen by KAFKA_PRODUCER_CLIENT.
import { Partitioners, type Producer } from 'kafkajs'
import { compressionTypes, createKafkaClient } from '../../common/kafka.ts'
import type { KafkaConfig } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'
import { createLingerBatcher } from './lingerBatcher.ts'

export type OutgoingMessage = { key: string; value: string; headers: Record<string, string> }

export interface EventProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas; rejects otherwise. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>
  /** True when the broker answered recently (a cheap, cached probe). */
  isReady(): Promise<boolean>
  close(): Promise<void>
}

export function createKafkaEventProducer(config: KafkaConfig, log: Logger, timeoutMs: number): EventProducer {
  // Retries are bounded so a request gives up within about the produce timeout; the gateway then
  // answers 503 and the SDK retries.
  const kafka = createKafkaClient(config, log, {
    requestTimeout: timeoutMs,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  })
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  const admin = kafka.admin()
  const compression = compressionTypes[config.compression]

  let connecting: Promise<void> | null = null
  let connected = false
  const connect = () => {
    connecting ??= Promise.all([producer.connect(), admin.connect()])
      .then(() => {
        connected = true
      })
      .catch((err) => {
        connecting = null
        throw err
      })
    return connecting
  }
  producer.on(producer.events.DISCONNECT, () => {
    connected = false
    connecting = null
  })

  // kafkajs has no linger of its own: uploads within KAFKA_LINGER_MS share one sendBatch (lingerBatcher.ts)
  const batcher = createLingerBatcher(config.lingerMs, async (topicMessages) => {
    await connect()
    await producer.sendBatch({ topicMessages, acks: -1, timeout: timeoutMs, compression })
  })

  return {
    send: (topic, messages) => batcher.send(topic, messages),
    isReady: cachedProbe(() => connect().then(() => admin.describeCluster()), timeoutMs),
    async close() {
      await batcher.drain()
      if (!connected && !connecting) return
      await Promise.allSettled([producer.disconnect(), admin.disconnect()])
    },
  }
}

/**
 * Readiness as a cheap, cached probe: one broker round trip at most once a second, and a down or frozen
 * broker answers "not ready" within 2 s (or the produce timeout, if shorter).
 */
export function cachedProbe(check: () => Promise<unknown>, timeoutMs: number, cacheMs = 1_000): () => Promise<boolean> {
  let probe: { at: number; ok: Promise<boolean> } | null = null
  return () => {
    const now = Date.now()
    if (probe && now - probe.at < cacheMs) return probe.ok
    const ok = withTimeout(check(), Math.min(timeoutMs, 2_000)).then(
      () => true,
      () => false,
    )
    probe = { at: now, ok }
    return ok
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
