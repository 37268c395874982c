// npm run topics -- create [category ...] | describe | alter
//   create    the dead-letter topic, the spans / metrics / logs topics and the named categories' topics
//             (e.g. `create web`), with KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS;
//             existing ones are left as they are
//   describe  every pipeline topic (TOPIC_TEMPLATE's and the dead-letter topic): partitions, replication,
//             min ISR, partitions under-replicated or without a leader, and what differs from the configuration
//   alter     brings existing pipeline topics to the configuration: adds partitions (never removes: keys
//             would move), changes the replication factor (partition reassignment) and min.insync.replicas
import type { Admin } from 'kafkajs'
import { loadConfig } from '../common/config.ts'
import { createKafkaClient } from '../common/kafka.ts'
import { createTopicEnsurer, type TopicSettings } from '../common/kafkaTopics.ts'
import { createLogger, errorMessage } from '../common/logger.ts'
import { topicFor, topicPattern } from '../schemas/event.ts'
import { telemetryTypes } from '../schemas/telemetryTypes.ts'

type TopicState = { name: string; partitions: { id: number; leader: number; replicas: number[]; isr: number[] }[]; minIsr: number | null }

async function pipelineTopics(admin: Admin, template: string, deadLetter: string): Promise<string[]> {
  const pattern = topicPattern(template)
  return (await admin.listTopics()).filter((t) => pattern.test(t) || t === deadLetter).sort()
}

async function topicStates(admin: Admin, topics: string[]): Promise<TopicState[]> {
  if (topics.length === 0) return []
  const metadata = await admin.fetchTopicMetadata({ topics })
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['min.insync.replicas'] })) })
  return metadata.topics.map((t) => {
    const entry = configs.resources.find((r) => r.resourceName === t.name)?.configEntries.find((c) => c.configName === 'min.insync.replicas')
    return {
      name: t.name,
      partitions: t.partitions.map((p) => ({ id: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })).sort((a, b) => a.id - b.id),
      minIsr: entry ? Number(entry.configValue) : null,
    }
  })
}

/** One line per topic; differences from the configuration and unhealthy partitions are named. */
export function describeTopic(t: TopicState, want: TopicSettings): string {
  const rf = Math.max(...t.partitions.map((p) => p.replicas.length))
  const under = t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => p.id)
  const leaderless = t.partitions.filter((p) => p.leader < 0).map((p) => p.id)
  const notes = [
    t.partitions.length !== want.partitions ? `partitions ${t.partitions.length} (configured ${want.partitions})` : '',
    rf !== want.replicationFactor ? `replication ${rf} (configured ${want.replicationFactor})` : '',
    t.minIsr !== want.minInsyncReplicas ? `min ISR ${t.minIsr ?? '?'} (configured ${want.minInsyncReplicas})` : '',
    under.length ? `under-replicated partitions ${under.join(',')}` : '',
    leaderless.length ? `partitions without leader ${leaderless.join(',')}` : '',
  ].filter(Boolean)
  return `${t.name}  partitions ${t.partitions.length}  replication ${rf}  min ISR ${t.minIsr ?? '?'}  leaders ${t.partitions.map((p) => p.leader).join(',')}  ${notes.length ? `DIFFERS: ${notes.join('; ')}` : 'as configured, healthy'}`
}

/** Replica lists for a new replication factor: keep the current ones (leader first), add live brokers round-robin. */
export function reassignReplicas(replicas: number[], leader: number, brokers: number[], factor: number, partition: number): number[] {
  const current = [leader, ...replicas.filter((r) => r !== leader)].filter((r) => r >= 0)
  if (current.length >= factor) return current.slice(0, factor)
  const extra = brokers.filter((b) => !current.includes(b))
  const rotated = [...extra.slice(partition % Math.max(extra.length, 1)), ...extra.slice(0, partition % Math.max(extra.length, 1))]
  return [...current, ...rotated].slice(0, factor)
}

async function alter(admin: Admin, states: TopicState[], want: TopicSettings): Promise<string[]> {
  const done: string[] = []
  const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b)
  for (const t of states) {
    if (t.partitions.length < want.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: t.name, count: want.partitions }] })
      done.push(`${t.name}: partitions ${t.partitions.length} → ${want.partitions}`)
    } else if (t.partitions.length > want.partitions) {
      done.push(`${t.name}: keeps ${t.partitions.length} partitions (fewer would move keys to other partitions)`)
    }
    const moves = t.partitions
      .map((p) => ({ partition: p.id, replicas: reassignReplicas(p.replicas, p.leader, brokers, want.replicationFactor, p.id) }))
      .filter((m, i) => m.replicas.length !== t.partitions[i]!.replicas.length)
    if (moves.length > 0) {
      if (brokers.length < want.replicationFactor) throw new Error(`${t.name}: replication ${want.replicationFactor} needs ${want.replicationFactor} live brokers, ${brokers.length} are`)
      await admin.alterPartitionReassignments({ topics: [{ topic: t.name, partitionAssignment: moves }] })
      done.push(`${t.name}: replication → ${want.replicationFactor} (reassignment of ${moves.length} partitions started; describe shows it done)`)
    }
    if (t.minIsr !== want.minInsyncReplicas) {
      // (alterConfigs sets the topic's whole override list: the pipeline's topics carry only this one)
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: t.name, configEntries: [{ name: 'min.insync.replicas', value: String(want.minInsyncReplicas) }] }] })
      done.push(`${t.name}: min ISR ${t.minIsr ?? '?'} → ${want.minInsyncReplicas}`)
    }
  }
  return done
}

async function main(argv: string[]) {
  const [command, ...args] = argv
  const config = loadConfig()
  const want = config.kafka.topics
  const admin = createKafkaClient(config.kafka, createLogger('topics', 'warn')).admin()
  await admin.connect()
  try {
    console.log(`kafka ${config.kafka.brokers.join(',')}: configured partitions ${want.partitions}, replication ${want.replicationFactor}, min ISR ${want.minInsyncReplicas}`)
    if (command === 'create') {
      const topics = [config.consumer.deadLetterTopic, ...[...Object.keys(telemetryTypes), ...args].map((c) => topicFor(config.gateway.topicTemplate, c))]
      const existing = new Set(await admin.listTopics())
      const ensurer = createTopicEnsurer(admin, want, createLogger('topics', 'warn'), 30_000)
      for (const topic of topics) {
        await ensurer.ensure(topic)
        console.log(`${topic}: ${existing.has(topic) ? 'exists (unchanged; alter changes it)' : 'created'}`)
      }
    } else if (command === 'describe') {
      const states = await topicStates(admin, await pipelineTopics(admin, config.gateway.topicTemplate, config.consumer.deadLetterTopic))
      if (states.length === 0) console.log('no pipeline topic yet (npm run topics -- create)')
      for (const t of states) console.log(describeTopic(t, want))
    } else if (command === 'alter') {
      const states = await topicStates(admin, await pipelineTopics(admin, config.gateway.topicTemplate, config.consumer.deadLetterTopic))
      const done = await alter(admin, states, want)
      console.log(done.length ? done.join('\n') : 'every pipeline topic is as configured')
    } else {
      throw new Error(`usage: npm run topics -- create [category ...] | describe | alter (got '${command ?? ''}')`)
    }
  } finally {
    await admin.disconnect()
  }
}

if (import.meta.main) {
  try {
    await main(process.argv.slice(2))
  } catch (err) {
    console.error(`topics: ${errorMessage(err)}`)
    process.exit(1)
  }
}
