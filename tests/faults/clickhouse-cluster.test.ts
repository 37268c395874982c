// Faults of a ClickHouse cluster (2 shards x 2 replicas + ZooKeeper, tests/cluster/clusterStack.ts) under
// steady load, with the exactly-once check: a replica SIGKILLed; a whole shard down for 30 s (consumers retry
// and commit nothing meanwhile); ZooKeeper stopped for 20 s (replicas read-only); a consumer SIGKILLed between
// its distributed insert and its offset commit. The consumers run with CLICKHOUSE_CLUSTER: Distributed tables,
// insert_distributed_sync. Each scenario ends with missing 0 / duplicated 0, the lag drained, and both
// replicas of each shard holding the same rows. Kafka is the fault suite's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterStack, clusterUrl, nodePid, onNode, testCluster, zookeeperPid, type ClusterNode } from '../cluster/clusterStack.ts'
import { LoadDriver, type Proc, chCommand, chQuery, check, expectExactlyOnce, lag, offsets, report, scenario, short, sleep, startConsumer, startGateway, waitFor, type Scenario } from './harness.ts'

// npm test (FAULTS_SHORT=1) runs the replica and consumer kills; the shard and ZooKeeper outages take about
// a minute each on a busy machine, so only `npm run test:faults` runs them (README says so).
const longOnly = short ? it.skip : it
const clusterNodes = Object.keys(testCluster.nodes) as ClusterNode[]
const scenarios: Scenario[] = []
const procs: Proc[] = []
const clusterScenario = (name: string, extra: Record<string, string> = {}) => {
  const s = scenario(name, { CLICKHOUSE_URL: clusterUrl, CLICKHOUSE_CLUSTER: testCluster.name, ...extra })
  scenarios.push(s)
  return s
}

beforeAll(async () => {
  process.stdout.write(await clusterStack('up', 'clickhouse'))
}, 300_000)

afterAll(async () => {
  await clusterStack('up', 'clickhouse') // whatever a failed scenario left stopped
  await Promise.all(procs.map((p) => p.stop()))
  for (const s of scenarios) await chCommand(s, `DROP DATABASE IF EXISTS \`${s.config.clickhouse.database}\` ON CLUSTER ${testCluster.name}`, null).catch(() => {})
  if (process.env.TEST_CLICKHOUSE_CLUSTER_KEEP !== '1') await clusterStack('down', 'clickhouse')
}, 300_000)

const committedSum = async (s: Scenario) => (await offsets(s)).reduce((sum, p) => sum + p.committed, 0n)

/** Both replicas of every shard hold the same rows of the scenario's events (after catching up). */
async function expectReplicasAgree(s: Scenario) {
  const table = `\`${s.config.clickhouse.database}\`.events_local`
  const count = async (node: ClusterNode) => {
    await onNode(node, `SYSTEM SYNC REPLICA ${table}`)
    return (await onNode(node, `SELECT count(), uniqExact(backend_id) FROM ${table}`)).trim()
  }
  expect(await count('s1r2')).toBe(await count('s1r1'))
  expect(await count('s2r2')).toBe(await count('s2r1'))
}

/** Load, run the fault, stop the load, wait for the lag to drain; returns what the check needs. */
async function underLoad(s: Scenario, fault: (consumer: Proc) => Promise<string>) {
  const gw = await startGateway(s)
  const consumer = await startConsumer(s, 'consumer')
  procs.push(gw.proc, consumer)
  const load = new LoadDriver(gw.url, { appId: s.appId }).start()
  await sleep(4_000)
  const note = await fault(consumer)
  const restoredAt = Date.now()
  const lagAtRestore = await lag(s)
  await sleep(3_000)
  await load.stop()
  await waitFor('the lag to drain', async () => (await lag(s)) === 0n, 180_000)
  const drainMs = Date.now() - restoredAt
  const result = await check(s, load.acked)
  const [raw] = await chQuery<{ n: string; u: string }>(s, 'SELECT count() AS n, uniqExact(backend_id) AS u FROM events')
  report(s.name, result, `${note}; lag ${lagAtRestore} when restored, drained ${drainMs} ms later (load ran 3 s more); ${consumer.count('insert failed; retrying')} insert retries; ${load.count((a) => a.status !== 200)} answers other than 200; stored copies without FINAL ${raw!.n} for ${raw!.u} events`)
  expectExactlyOnce(result)
  // (no assertion on the gateway's answers: it does not touch ClickHouse; on a busy machine Kafka itself can
  // answer late and the gateway says 503, which the check above already accounts for)
  await expectReplicasAgree(s)
  return { consumer, gw }
}

describe('ClickHouse cluster faults (CLICKHOUSE_CLUSTER, 2 shards x 2 replicas)', () => {
  it('SIGKILL of one replica during load, restarted 10 s later', async () => {
    const s = clusterScenario('cluster-replica-killed')
    const { consumer } = await underLoad(s, async () => {
      process.kill(nodePid('s2r1'), 'SIGKILL')
      await sleep(10_000)
      await clusterStack('up', 'clickhouse')
      return 'replica s2r1 SIGKILLed for 10 s'
    })
    expect(consumer.running).toBe(true)
  })

  longOnly('one whole shard down for 30 s: the consumer retries and commits nothing until it is back', async () => {
    const s = clusterScenario('cluster-shard-down')
    const { consumer } = await underLoad(s, async () => {
      const shard1 = [nodePid('s1r1'), nodePid('s1r2')]
      process.kill(nodePid('s2r1'), 'SIGTERM')
      process.kill(nodePid('s2r2'), 'SIGTERM')
      await sleep(5_000) // a batch inserted just before may still commit
      const committedEarly = await committedSum(s)
      const lagEarly = await lag(s)
      await sleep(25_000)
      const committedLate = await committedSum(s)
      const lagLate = await lag(s)
      expect(committedLate).toBe(committedEarly)
      expect(lagLate).toBeGreaterThan(lagEarly)
      expect([nodePid('s1r1'), nodePid('s1r2')]).toEqual(shard1)
      await clusterStack('up', 'clickhouse')
      return `shard 2 (s2r1, s2r2) down 30 s: committed offsets stayed at ${committedLate} while the lag grew ${lagEarly} → ${lagLate}`
    })
    expect(consumer.running).toBe(true)
    expect(consumer.count('insert failed; retrying')).toBeGreaterThan(0)
  })

  longOnly('ZooKeeper stopped for 20 s: replicas read-only, inserts retried, nothing lost', async () => {
    const s = clusterScenario('cluster-zookeeper-stopped')
    const { consumer } = await underLoad(s, async () => {
      const pids = clusterNodes.map(nodePid)
      process.kill(zookeeperPid(), 'SIGTERM')
      const readOnly = await waitFor('a replica to turn read-only', async () => (await onNode('s1r1', `SELECT is_readonly FROM system.replicas WHERE database = '${s.config.clickhouse.database}' AND table = 'events_local'`)).trim() === '1', 20_000, 500)
        .then(() => true, () => false)
      await sleep(20_000)
      await clusterStack('up', 'clickhouse')
      await waitFor('every replica writable again', async () => (await onNode('s1r1', "SELECT sum(is_readonly) FROM system.replicas")).trim() === '0', 60_000)
      expect(readOnly).toBe(true)
      // no node crashed meanwhile (`up` would have restarted it silently)
      expect(clusterNodes.map(nodePid)).toEqual(pids)
      return `ZooKeeper stopped 20 s (events_local on s1r1 read-only: ${readOnly})`
    })
    expect(consumer.running).toBe(true)
  })

  it('consumer SIGKILLed between its distributed insert and its commit, several times', async () => {
    const s = clusterScenario('cluster-crash-after-insert', { CONSUMER_BATCH_MAX_ROWS: '50' })
    const gw = await startGateway(s)
    procs.push(gw.proc)
    const load = new LoadDriver(gw.url, { appId: s.appId }).start()
    const crashes = short ? 2 : 4
    for (let i = 0; i < crashes; i++) {
      const consumer = await startConsumer(s, `consumer-${i}`, { FAULT_INJECT: `crash-after-insert:${2 + (i % 2)}` })
      procs.push(consumer)
      const exit = await Promise.race([consumer.exited, sleep(60_000).then(() => null)])
      expect(exit, `consumer life ${i} should have crashed after its insert`).toEqual({ code: null, signal: 'SIGKILL' })
    }
    await load.stop()
    const last = await startConsumer(s, 'consumer-final')
    procs.push(last)
    const t0 = Date.now()
    await waitFor('the lag to drain', async () => (await lag(s)) === 0n, 180_000)
    const result = await check(s, load.acked)
    const [raw] = await chQuery<{ n: string; u: string }>(s, 'SELECT count() AS n, uniqExact(backend_id) AS u FROM events')
    report(s.name, result, `${crashes} kills after the distributed insert; lag drained ${Date.now() - t0} ms after the last restart; stored copies without FINAL ${raw!.n} for ${raw!.u} events`)
    expectExactlyOnce(result)
    await expectReplicasAgree(s)
  })
})
