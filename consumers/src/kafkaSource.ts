// The fetch side of the loader: a kafkajs consumer group over every topic the topic template can name.
// kafkajs only subscribes to topics that exist when it starts, so the topic list is re-read every
// CONSUMER_TOPIC_REFRESH_MS and the consumer re-joins when a new category's topic appears (new topics are
// read from their beginning, so the first events of a new category are not missed).
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs'
import { createKafkaClient } from '../../common/kafka.ts'
import type { ConsumerConfig, KafkaConfig } from '../../common/config.ts'
import { errorMessage, type Logger } from '../../common/logger.ts'
import { topicPattern } from '../../schemas/event.ts'
import type { InboundMessage } from './inboundMessage.ts'
import { createPartitionLoads } from './partitionLoads.ts'
import { chunksOfItems } from './recordItems.ts'

export type PartitionBatch = {
  messages: InboundMessage[]
  /** false once this batch must be given up (shutdown, or the partition moved to another member) */
  stillOwned: () => boolean
  heartbeat: () => Promise<void>
  commit: (nextOffset: string) => Promise<void>
  /** the partition's log end offset when the batch was fetched (for the consumer lag metric) */
  highWatermark?: string
}

export type BatchHandler = (batch: PartitionBatch) => Promise<'committed' | 'abandoned'>

export function createKafka(config: KafkaConfig, log: Logger): Kafka {
  return createKafkaClient(config, log, { retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 } })
}

export function startKafkaSource(kafka: Kafka, config: ConsumerConfig, handle: BatchHandler, log: Logger) {
  const pattern = topicPattern(config.topicTemplate)
  const admin = kafka.admin()
  let consumer: Consumer | null = null
  let subscribed: string[] = []
  let stopping = false
  let timer: NodeJS.Timeout | null = null
  let refreshing: Promise<void> = Promise.resolve()

  async function matchingTopics(): Promise<string[]> {
    const all = await admin.listTopics()
    return all.filter((t) => pattern.test(t) && t !== config.deadLetterTopic).sort()
  }

  // Consumers being replaced (new topics), stopped, or given up: kafkajs must not bring them back. After a
  // connection error (e.g. right after a Kafka restart) kafkajs restarts a consumer on a timer with the topic
  // list it had; a restart racing with its replacement used to leave that old member in the group, assigned the
  // new topic's partitions it does not read (README "Known issues", now fixed).
  const retired = new WeakSet<Consumer>()

  async function startConsumer(topics: string[]) {
    const c: Consumer = kafka.consumer({
      retry: { restartOnFailure: async () => !retired.has(c) && !stopping },
      groupId: config.groupId,
      maxWaitTimeInMs: config.batchMaxWaitMs,
      minBytes: config.fetchMinBytes,
      maxBytesPerPartition: 4 * 1024 * 1024,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3)),
      allowAutoTopicCreation: false,
    })
    // a re-join restarts every partition from its committed offset: loads of an older generation give up
    c.on(c.events.GROUP_JOIN, () => {
      // a restart that slipped past restartOnFailure (decided before the consumer was retired) leaves at once
      if (retired.has(c)) return void c.disconnect().catch(() => {})
      loads.rejoined()
    })
    // kafkajs does not restart a consumer after an error it deems final (KafkaJSGroupCoordinatorNotFound when
    // a fresh broker is slow to form the group, at start or later): it would sit idle forever. Forget it, so
    // that the next topic refresh starts a new one.
    let crashed: string | null = null
    c.on(c.events.CRASH, ({ payload }) => {
      if (payload.restart || stopping) return
      crashed = payload.error.message
      retired.add(c)
      log.warn('kafka consumer stopped after an error kafkajs does not retry; a new one starts at the next topic refresh', { error: crashed })
      if (consumer === c) {
        consumer = null
        subscribed = []
      }
    })
    await c.connect()
    await c.subscribe({ topics, fromBeginning: true })
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConcurrently,
      eachBatch: (payload) => eachBatch(c, payload),
    })
    if (crashed !== null) {
      await c.disconnect().catch(() => {})
      throw new Error(`kafka consumer stopped at start: ${crashed}`)
    }
    consumer = c
    subscribed = topics
    log.info('consuming', { group: config.groupId, topics })
  }

  // Fetch and load overlap: eachBatch hands a fetched batch to its partition's load and returns at once, so
  // kafkajs fetches the next batches while ClickHouse inserts (kafkajs fetches in lock step otherwise: no
  // partition is fetched again until every batch of the previous fetch is done). Per partition one load runs
  // at a time, in offset order (partitionLoads.ts): at most two batches per partition are in memory. Offsets
  // are still committed only by the loader, after its insert.
  const loads = createPartitionLoads({ stopping: () => stopping })

  async function eachBatch(c: Consumer, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const { topic, partition, messages } = batch
    const offsets = messages.length === 0 ? null : { first: messages[0]!.offset, last: messages[messages.length - 1]!.offset }
    const seek = (offset: string) => c.seek({ topic, partition, offset })
    await loads.handOver({ topic, partition, offsets, isRunning, isStale, resolveOffset, seek }, (stillOwned) => loadInChunks(c, messages, topic, partition, { heartbeat, stillOwned, highWatermark: batch.highWatermark }))
  }

  async function loadInChunks(
    c: Consumer,
    fetched: EachBatchPayload['batch']['messages'],
    topic: string,
    partition: number,
    owner: { heartbeat: () => Promise<void>; stillOwned: () => boolean; highWatermark: string },
  ): Promise<'committed' | 'abandoned'> {
    try {
      const inbound: InboundMessage[] = fetched.map((m) => ({
        topic,
        partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: headersAsStrings(m.headers),
      }))
      // CONSUMER_BATCH_MAX_ROWS counts items (rows), not records: an NDJSON record holds many
      for (const messages of chunksOfItems(inbound, config.batchMaxRows)) {
        // Set when the broker says this member is no longer in the group (e.g. its session expired while the
        // broker was frozen): retrying cannot help, the batch must be given up so kafkajs can re-join.
        let lostMembership = false
        const watch = async (call: () => Promise<void>) => {
          try {
            await call()
          } catch (err) {
            if (isMembershipError(err)) lostMembership = true
            throw err
          }
        }
        const result = await handle({
          messages,
          stillOwned: () => owner.stillOwned() && !lostMembership,
          heartbeat: () => watch(owner.heartbeat),
          commit: (nextOffset) => watch(() => c.commitOffsets([{ topic, partition, offset: nextOffset }])),
          highWatermark: owner.highWatermark,
        })
        if (result === 'abandoned') return 'abandoned'
        await owner.heartbeat().catch(() => {})
      }
      return 'committed'
    } catch (err) {
      log.error('loading a batch failed', { topic, partition, error: errorMessage(err) })
      return 'abandoned'
    }
  }

  async function refresh() {
    try {
      const topics = await matchingTopics()
      if (topics.length === 0 || sameList(topics, subscribed)) return
      // a crashed consumer's loads: they finish (or fail to commit) before a new member joins
      if (!consumer) await loads.drain(async () => {})
      if (consumer) {
        log.info('new topics: re-joining the group', { added: topics.filter((t) => !subscribed.includes(t)) })
        // no new loads; those in flight finish (insert, commit) before this member leaves the group
        const leaving = consumer
        retired.add(leaving)
        await loads.drain(() => leaving.disconnect())
        consumer = null
      }
      if (!stopping) await startConsumer(topics)
    } catch (err) {
      log.warn('topic refresh failed; will retry', { error: errorMessage(err) })
    }
  }

  function schedule() {
    if (stopping) return
    timer = setTimeout(() => {
      refreshing = refresh().finally(schedule)
    }, config.topicRefreshMs)
  }

  const started = (async () => {
    await admin.connect()
    refreshing = refresh()
    await refreshing
    schedule()
  })()

  return {
    started,
    /** Stops fetching; an in-flight batch is finished or abandoned (uncommitted) before this resolves. */
    async stop() {
      stopping = true
      if (timer) clearTimeout(timer)
      await refreshing.catch(() => {})
      // loads in flight finish (their insert, then one commit) before the group is left
      await loads.settle()
      if (consumer) retired.add(consumer)
      await consumer?.disconnect()
      await loads.settle()
      await admin.disconnect()
    },
  }
}

// NOT_COORDINATOR_FOR_GROUP too (protocol error 16, as kafkajs names it): the group's coordinator moved to
// another broker (its broker stopped); kafkajs looks the new one up only when its runner re-joins, and the
// runner waits for this batch, so retrying the commit against the old coordinator would never end.
const MEMBERSHIP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID', 'NOT_COORDINATOR_FOR_GROUP'])

/** A kafkajs error (or one it wraps) saying this member's view of the group is out of date. */
export function isMembershipError(err: unknown): boolean {
  for (let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && MEMBERSHIP_ERRORS.has(e.type)) return true
    e = (e.originalError ?? e.cause) as typeof e
  }
  return false
}

function headersAsStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  // for-in rather than Object.entries: no arrays per message (this runs for every row)
  for (const k in headers) {
    const v = headers[k]
    if (v === undefined) continue
    out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : Array.isArray(v) ? v.map(String).join(',') : String(v)
  }
  return out
}

function sameList(a: string[], b: string[]) {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
