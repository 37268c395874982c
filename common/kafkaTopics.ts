// Topics as configuration: the pipeline creates each topic it writes (category topics, the dead-letter
// topic, spans/metrics/logs) with KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS
// before its first write, instead of relying on the broker's auto-creation and its defaults. And readiness:
// whether a write with acks=all can be acknowledged now. Used by the gateway, the consumers and
// `npm run topics`.
import type { Admin, ITopicConfig, PartitionMetadata } from 'kafkajs'
import type { KafkaConfig } from './config.ts'
import { createKafkaClient } from './kafka.ts'
import { errorMessage, type Logger } from './logger.ts'

export type TopicSettings = KafkaConfig['topics']

export function topicConfig(topic: string, settings: TopicSettings): ITopicConfig {
  return {
    topic,
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries: [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }],
  }
}

/**
 * Creates a topic (once per process) with the configured settings and waits until every partition has a
 * leader; a topic that already exists is left as it is (`npm run topics -- alter` changes existing ones).
 * A failed creation is forgotten, so the next write tries again.
 */
export function createTopicEnsurer(admin: Pick<Admin, 'createTopics' | 'fetchTopicMetadata' | 'listTopics'>, settings: TopicSettings, log: Logger, timeoutMs = 5_000) {
  const ensured = new Map<string, Promise<void>>()
  const create = async (topic: string) => {
    // (kafkajs' own waitForLeaders gives up on the UNKNOWN_TOPIC_OR_PARTITION a follower answers while the
    // new topic's metadata spreads through a cluster: wait here instead)
    // an existing topic is not created again (kafkajs logs the TOPIC_ALREADY_EXISTS answer as an error)
    if (!(await admin.listTopics()).includes(topic)) {
      const created = await admin.createTopics({ topics: [topicConfig(topic, settings)], waitForLeaders: false, timeout: timeoutMs })
      if (created) log.info('kafka topic created', { topic, ...settings })
    }
    await waitForLeaders(admin, topic, timeoutMs)
  }
  const ensure = (topic: string): Promise<void> => {
    let p = ensured.get(topic)
    if (!p) {
      p = create(topic)
      p.catch(() => ensured.delete(topic))
      ensured.set(topic, p)
    }
    return p
  }
  return { ensure, known: () => [...ensured.keys()] }
}

async function waitForLeaders(admin: Pick<Admin, 'fetchTopicMetadata'>, topic: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    let last: unknown = null
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? []
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return
    } catch (err) {
      last = err
    }
    if (Date.now() + delay > until) throw new Error(`topic ${topic}: partitions without a leader after ${timeoutMs} ms${last ? ` (${errorMessage(last)})` : ''}`)
    await new Promise((r) => setTimeout(r, delay))
  }
}

export type ProduceReadiness = { ok: true } | { ok: false; reason: string }

/**
 * Can a write with acks=all be acknowledged on every partition of `topics`? Each needs a leader among the
 * live brokers and at least min ISR of its in-sync replicas alive (a stopped broker may still be listed in
 * the ISR until the controller or replica.lag.time.max.ms removes it). With no topic yet: enough live
 * brokers for min ISR. Pure, so it is unit-tested; `liveBrokers` are the node ids the metadata lists.
 */
export function produceReadiness(liveBrokers: number[], topics: { name: string; partitions: PartitionMetadata[] }[], minInsyncReplicas: number): ProduceReadiness {
  const live = new Set(liveBrokers)
  if (live.size < minInsyncReplicas) return { ok: false, reason: `${live.size} live broker(s), min.insync.replicas is ${minInsyncReplicas}` }
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.leader < 0 || !live.has(p.leader)) return { ok: false, reason: `${t.name}/${p.partitionId} has no live leader` }
      const inSync = p.isr.filter((id) => live.has(id)).length
      if (inSync < minInsyncReplicas) return { ok: false, reason: `${t.name}/${p.partitionId} has ${inSync} live in-sync replica(s), min.insync.replicas is ${minInsyncReplicas}` }
    }
  }
  return { ok: true }
}

/** The pipeline's topic administration on a kafkajs admin client, connected on first use. */
export function createTopicAdmin(config: KafkaConfig, log: Logger, timeoutMs = 5_000) {
  const admin = createKafkaClient(config, log, { requestTimeout: timeoutMs, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } }).admin()
  let connecting: Promise<void> | null = null
  const connected = () =>
    (connecting ??= admin.connect().catch((err: unknown) => {
      connecting = null
      throw err
    }))
  const ensurer = createTopicEnsurer(
    {
      listTopics: async () => (await connected(), admin.listTopics()),
      createTopics: async (o) => (await connected(), admin.createTopics(o)),
      fetchTopicMetadata: async (o) => (await connected(), admin.fetchTopicMetadata(o)),
    },
    config.topics,
    log,
    timeoutMs,
  )
  return {
    ensure: ensurer.ensure,
    /** Readiness of the topics this process has written to (one metadata round trip for brokers and topics). */
    async readiness(): Promise<ProduceReadiness> {
      await connected()
      const topics = ensurer.known()
      const [cluster, metadata] = await Promise.all([admin.describeCluster(), topics.length ? admin.fetchTopicMetadata({ topics }) : { topics: [] }])
      return produceReadiness(
        cluster.brokers.map((b) => b.nodeId),
        metadata.topics,
        config.topics.minInsyncReplicas,
      )
    },
    async close() {
      if (connecting) await admin.disconnect().catch((err: unknown) => log.warn('kafka admin close failed', { error: errorMessage(err) }))
    },
  }
}

export type TopicAdmin = ReturnType<typeof createTopicAdmin>
