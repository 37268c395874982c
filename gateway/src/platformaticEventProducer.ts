// The EventProducer on @platformatic/kafka (KAFKA_PRODUCER_CLIENT=platformatic): same contract as the kafkajs
// one in eventProducer.ts (acks from all in-sync replicas, bounded retries, cached readiness probe, the
// KAFKA_LINGER_MS micro-batcher), with a cheaper record encoder. Keys go to partitions as kafkajs and the
// Java client place them (murmur2, sign bit masked), so switching clients keeps each device's order.
// KAFKA_PRODUCER_LANES idempotent producers pipeline the produce requests (producerLanes.ts).
import { compatibilityPartitioner, compressionsAlgorithms, ProduceAcks, Producer, stringSerializer, type CompressionAlgorithmValue, type MessageToProduce } from '@platformatic/kafka'
import type { KafkaConfig } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'
import { cachedProbe, type EventProducer } from './eventProducer.ts'
import { createLingerBatcher } from './lingerBatcher.ts'
import { createLane, createLaneRouter, type LaneMessage } from './producerLanes.ts'

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
   * Idempotent producers (default): the broker drops a batch the client retried after it had already written
   * it, and each producer keeps 1 request in flight per broker connection so retries cannot reorder a
   * partition; KAFKA_PRODUCER_LANES of them pipeline the requests.
   */
  idempotent?: boolean
  /** Producers (lanes) in this process; defaults to KAFKA_PRODUCER_LANES. */
  lanes?: number
}

type RecordProducer = Producer<string, string, Buffer, Buffer>

/**
 * The per-record work the client would repeat, done once: an upload's messages share one key (one device)
 * and one headers object (the request's), so the key's bytes and partition are computed once per run of
 * equal keys and the 4 headers are encoded to bytes once per request. The record bytes are the same.
 */
function recordEncoding() {
  let lastKey: string | null = null
  let lastKeyBytes: Buffer | undefined
  let lastPartitionOf: Buffer | undefined
  let lastPartition = 0
  const encodedHeaders = new WeakMap<Record<string, string>, Map<Buffer, Buffer>>()
  return {
    serializers: {
      key: (key: string | undefined) => {
        if (key !== lastKey) {
          lastKey = key ?? null
          lastKeyBytes = stringSerializer(key)
        }
        return lastKeyBytes
      },
      value: stringSerializer,
      headerKey: (b: Buffer | undefined) => b,
      headerValue: (b: Buffer | undefined) => b,
    },
    partitioner: (message: MessageToProduce<string, string, Buffer, Buffer>, key: Buffer | undefined) => {
      if (key !== lastPartitionOf || key === undefined) {
        lastPartitionOf = key
        lastPartition = compatibilityPartitioner(message, key)
      }
      return lastPartition
    },
    headers(headers: Record<string, string>): Map<Buffer, Buffer> {
      let encoded = encodedHeaders.get(headers)
      if (!encoded) {
        encoded = new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]))
        encodedHeaders.set(headers, encoded)
      }
      return encoded
    },
  }
}

function createRecordProducer(config: KafkaConfig, log: Logger, timeoutMs: number, compression: CompressionAlgorithmValue, idempotent: boolean, encoding: ReturnType<typeof recordEncoding>): RecordProducer {
  // Retries are bounded (3, backing off 100 ms → 1 s) and every broker request times out after the produce
  // timeout, so a send gives up within about that time when the broker is down; the gateway then answers
  // 503 and the SDK retries.
  const producer: RecordProducer = new Producer({
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    serializers: encoding.serializers,
    acks: ProduceAcks.ALL,
    compression,
    partitioner: encoding.partitioner,
    idempotent,
    autocreateTopics: true,
    timeout: timeoutMs,
    requestTimeout: timeoutMs,
    connectTimeout: 3_000,
    retries: 3,
    retryDelay: (_client, _operation, attempt) => Math.min(100 * 2 ** (attempt - 1), 1_000),
  })
  // The client has no logger; broker connection failures are what an operator needs to see.
  producer.on('client:broker:failed', ({ broker }: { broker: { host: string; port: number } }) => log.warn('kafka broker connection failed', { broker: `${broker.host}:${broker.port}` }))
  producer.on('client:broker:disconnect', ({ broker }: { broker: { host: string; port: number } }) => {
    if (!producer.closed) log.warn('kafka broker disconnected', { broker: `${broker.host}:${broker.port}` })
  })
  return producer
}

export function createPlatformaticEventProducer(config: KafkaConfig, log: Logger, timeoutMs: number, options: PlatformaticProducerOptions = {}): EventProducer {
  const compression = platformaticCompression(config.compression)
  const encoding = recordEncoding()
  const producers = Array.from({ length: options.lanes ?? config.producerLanes }, () => createRecordProducer(config, log, timeoutMs, compression, options.idempotent ?? true, encoding))
  const lanes = producers.map((producer) =>
    createLane(async (messages: LaneMessage[]) => {
      await producer.send({ messages: messages.map((m) => ({ topic: m.topic, key: m.key, value: m.value, headers: encoding.headers(m.headers) })) })
    }),
  )
  const batcher = createLingerBatcher(config.lingerMs, createLaneRouter(lanes))

  return {
    send: (topic, messages) => batcher.send(topic, messages),
    // a metadata request for no topic: one round trip on the already open bootstrap connection
    isReady: cachedProbe(() => producers[0]!.metadata({ topics: [], forceUpdate: true, retries: 0 }), timeoutMs),
    async close() {
      await batcher.drain()
      await Promise.all(producers.map((p) => p.close().catch((err: unknown) => log.warn('kafka producer close failed', { error: String(err) }))))
    },
  }
}
