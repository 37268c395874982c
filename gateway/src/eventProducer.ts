// The gateway's one door to Kafka. Steps depend on the EventProducer interface; unit tests pass a fake,
// the running gateway passes the kafkajs implementation below.
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs'
import { createKafkaClient } from '../../common/kafka.ts'
import type { KafkaConfig } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'

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
  const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None

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

  let probe: { at: number; ok: Promise<boolean> } | null = null
  const PROBE_CACHE_MS = 1_000

  return {
    async send(topic, messages) {
      await connect()
      await producer.send({ topic, acks: -1, timeout: timeoutMs, compression, messages })
    },
    isReady() {
      const now = Date.now()
      if (probe && now - probe.at < PROBE_CACHE_MS) return probe.ok
      const ok = withTimeout(
        connect().then(() => admin.describeCluster()).then(() => true),
        Math.min(timeoutMs, 2_000),
      ).catch(() => false)
      probe = { at: now, ok }
      return ok
    },
    async close() {
      if (!connected && !connecting) return
      await Promise.allSettled([producer.disconnect(), admin.disconnect()])
    },
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
