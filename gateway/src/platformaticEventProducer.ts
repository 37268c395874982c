// The EventProducer on @platformatic/kafka (KAFKA_PRODUCER_CLIENT=platformatic): same contract as the kafkajs
// one in eventProducer.ts (acks from all in-sync replicas, bounded retries, cached readiness probe, the
// KAFKA_LINGER_MS micro-batcher), with a cheaper record encoder. Keys go to partitions as kafkajs and the
// Java client place them (murmur2, sign bit masked), so switching clients keeps each device's order.
import { compatibilityPartitioner, compressionsAlgorithms, ProduceAcks, Producer, stringSerializers, type CompressionAlgorithmValue } from '@platformatic/kafka'
import type { KafkaConfig } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'
import { cachedProbe, type EventProducer } from './eventProducer.ts'
import { createLingerBatcher } from './lingerBatcher.ts'

/** @platformatic/kafka's codec for KAFKA_COMPRESSION; throws (at start) when this Node cannot do it. */
export function platformaticCompression(name: KafkaConfig['compression'], codecs: Record<string, { available: boolean }> = compressionsAlgorithms): CompressionAlgorithmValue {
  const codec = ({ none: 'none', gzip: 'gzip', zstd: 'zstd', lz4: 'lz4' } as const)[name]
  if (!codecs[codec]?.available) {
    throw new Error(`KAFKA_COMPRESSION=${name}: @platformatic/kafka cannot compress with ${codec} on this Node (${process.version}); choose another codec or KAFKA_PRODUCER_CLIENT=kafkajs`)
  }
  return codec
}

export type PlatformaticProducerOptions = {
  /**
   * Idempotent producer (default): the broker drops a batch the client retried after it had already written
   * it, and the client keeps 1 request in flight per broker connection so retries cannot reorder a partition.
   * Measured without a throughput cost (loadtest/README.md).
   */
  idempotent?: boolean
}

export function createPlatformaticEventProducer(config: KafkaConfig, log: Logger, timeoutMs: number, options: PlatformaticProducerOptions = {}): EventProducer {
  const compression = platformaticCompression(config.compression)
  // Retries are bounded (3, backing off 100 ms → 1 s) and every broker request times out after the produce
  // timeout, so a send gives up within about that time when the broker is down; the gateway then answers
  // 503 and the SDK retries.
  const producer = new Producer({
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    serializers: stringSerializers,
    acks: ProduceAcks.ALL,
    compression,
    partitioner: compatibilityPartitioner,
    idempotent: options.idempotent ?? true,
    autocreateTopics: true,
    timeout: timeoutMs,
    requestTimeout: timeoutMs,
    connectTimeout: 3_000,
    retries: 3,
    retryDelay: (_client, _operation, attempt) => Math.min(100 * 2 ** (attempt - 1), 1_000),
  })
  // The client has no logger; broker connection failures are what an operator needs to see.
  producer.on('client:broker:failed', ({ broker }: { broker: { host: string; port: number } }) => log.warn('kafka broker connection failed', { broker: `${broker.host}:${broker.port}` }))
  let closing = false
  producer.on('client:broker:disconnect', ({ broker }: { broker: { host: string; port: number } }) => {
    if (!closing) log.warn('kafka broker disconnected', { broker: `${broker.host}:${broker.port}` })
  })

  const batcher = createLingerBatcher(config.lingerMs, async (topicMessages) => {
    const messages = []
    for (const { topic, messages: list } of topicMessages) for (const m of list) messages.push({ topic, key: m.key, value: m.value, headers: m.headers })
    await producer.send({ messages })
  })

  return {
    send: (topic, messages) => batcher.send(topic, messages),
    // a metadata request for no topic: one round trip on the already open bootstrap connection
    isReady: cachedProbe(() => producer.metadata({ topics: [], forceUpdate: true, retries: 0 }), timeoutMs),
    async close() {
      await batcher.drain()
      closing = true
      await producer.close().catch((err: unknown) => log.warn('kafka producer close failed', { error: String(err) }))
    },
  }
}
