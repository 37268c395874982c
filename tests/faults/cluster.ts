// Machinery of the three-node cluster scenarios (kafka-cluster.test.ts): scenarios bootstrapped from every
// node, the leader of the busiest partition, full replication, and the figures each scenario reports.
import { Kafka, logLevel } from 'kafkajs'
import { clusterBrokers } from './stack.ts'
import { type Answer, type Scenario, lag, offsets, scenario, sleep, waitFor } from './harness.ts'

/** A scenario on the cluster: the defaults then give 6 partitions, replication 3, min ISR 2. */
export function clusterScenario(name: string, extra: Record<string, string> = {}): Scenario {
  return scenario(name, { KAFKA_BROKERS: clusterBrokers.join(','), ...extra })
}

function admin(s: Scenario) {
  return new Kafka({ clientId: `faults-${s.id}-cluster`, brokers: clusterBrokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } }).admin()
}

async function scenarioTopicMetadata(s: Scenario) {
  const a = admin(s)
  await a.connect()
  try {
    const topics = (await a.listTopics()).filter((t) => t.startsWith(s.topicPrefix))
    return (await a.fetchTopicMetadata({ topics })).topics
  } finally {
    await a.disconnect()
  }
}

/** The node leading the scenario's partition with the most messages. */
export async function busiestPartitionLeader(s: Scenario): Promise<{ topic: string; partition: number; leader: number; messages: bigint }> {
  const busiest = (await offsets(s)).reduce((a, b) => (b.end > a.end ? b : a))
  const meta = await scenarioTopicMetadata(s)
  const leader = meta.find((t) => t.name === busiest.topic)!.partitions.find((p) => p.partitionId === busiest.partition)!.leader
  return { topic: busiest.topic, partition: busiest.partition, leader, messages: busiest.end }
}

/** Until every partition of the scenario's topics has all its replicas in sync again. */
export async function waitFullyReplicated(s: Scenario, timeoutMs = 120_000) {
  await waitFor('every partition fully replicated', async () => {
    const meta = await scenarioTopicMetadata(s)
    return meta.length > 0 && meta.every((t) => t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length))
  }, timeoutMs, 1_000)
}

export type FaultFigures = { during: number; rejected: number; longest503Ms: number; p99Ms: number; lagDrainedMs: number }

/**
 * What a scenario reports: answers started in [from, to], how many were 503, the longest stretch in which
 * every answer (of the whole run, in start order) was a 503, and the p99 latency of the answers in the window.
 */
export function faultFigures(answers: Answer[], from: number, to: number, lagDrainedMs: number): FaultFigures {
  const during = answers.filter((a) => a.startedAt >= from && a.startedAt <= to)
  const latencies = during.map((a) => a.endedAt - a.startedAt).sort((a, b) => a - b)
  const p99Ms = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] ?? 0
  let longest503Ms = 0
  let first: Answer | null = null
  for (const a of [...answers].sort((x, y) => x.startedAt - y.startedAt)) {
    if (a.status === 503) {
      first ??= a
      longest503Ms = Math.max(longest503Ms, a.endedAt - first.startedAt)
    } else first = null
  }
  return { during: during.length, rejected: during.filter((a) => a.status === 503).length, longest503Ms, p99Ms, lagDrainedMs }
}

export function describeFigures(f: FaultFigures): string {
  return `during the fault ${f.during} uploads, ${f.rejected} answered 503, p99 ${f.p99Ms} ms; longest 503 stretch ${f.longest503Ms} ms; lag drained ${(f.lagDrainedMs / 1000).toFixed(1)} s after the fault ended`
}

/** Milliseconds from `since` until the group has committed everything the broker holds. */
export async function lagDrainedAfter(s: Scenario, since: number, timeoutMs = 180_000): Promise<number> {
  await waitFor('the consumer group lag to reach 0', async () => (await lag(s)) === 0n, timeoutMs, 1_000)
  return Date.now() - since
}

export { sleep }
