// The kafkajs implementation of the EventProducer port (eventProducer.ts), KAFKA_PRODUCER_CLIENT=kafkajs.
import { Partitioners, type Producer } from 'kafkajs'
import { compressionTypes, createKafkaClient } from '../../common/kafka.ts'
import type { KafkaConfig } from '../../common/config.ts'
import type { Logger } from '../../common/logger.ts'
import { cachedProbe, type EventProducer } from './eventProducer.ts'
import { createLingerBatcher } from './lingerBatcher.ts'

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
