// The gateway's one door to Kafka. Steps depend on the EventProducer interface; unit tests pass a fake,
// the running gateway passes the kafkajs implementation below.
import { Partitioners, type Producer } from 'kafkajs'
import { compressionTypes, createKafkaClient } from '../../common/kafka.ts'
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

  let probe: { at: number; ok: Promise<boolean> } | null = null
  const PROBE_CACHE_MS = 1_000

  // Micro-batching across requests (kafkajs has no linger of its own): requests arriving within
  // KAFKA_LINGER_MS share one produce request, so the broker round trip, the record-batch framing and the
  // compression call are paid per batch, not per upload. Each request still resolves only when its own
  // messages are acknowledged (acks=-1); a failed batch fails every request in it (each answers 503).
  type Waiting = { topic: string; messages: OutgoingMessage[]; resolve: () => void; reject: (e: unknown) => void }
  let waiting: Waiting[] = []
  let waitingMessages = 0
  let timer: NodeJS.Timeout | null = null
  const FLUSH_AT_MESSAGES = 5_000
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
    const sent = connect()
      .then(() => producer.sendBatch({ topicMessages, acks: -1, timeout: timeoutMs, compression }))
      .then(
        () => batch.forEach((w) => w.resolve()),
        (err) => batch.forEach((w) => w.reject(err)),
      )
    sending.add(sent)
    void sent.finally(() => sending.delete(sent))
  }
  const sending = new Set<Promise<void>>()

  return {
    async send(topic, messages) {
      if (config.lingerMs === 0) {
        await connect()
        await producer.send({ topic, acks: -1, timeout: timeoutMs, compression, messages })
        return
      }
      await new Promise<void>((resolve, reject) => {
        waiting.push({ topic, messages, resolve, reject })
        waitingMessages += messages.length
        if (waitingMessages >= FLUSH_AT_MESSAGES) flush()
        else timer ??= setTimeout(flush, config.lingerMs)
      })
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
      if (waiting.length > 0) flush()
      await Promise.allSettled([...sending])
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
