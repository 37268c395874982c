// A 2 shards x 2 replicas ClickHouse cluster + ZooKeeper for the tests (scripts/stack.sh with
// STACK_CLICKHOUSE_CLUSTER=2x2), in its own STACK_HOME and ports, so stopping and killing its nodes never
// touches the dev stack or the fault suite's single server. Ports from TEST_CLICKHOUSE_CLUSTER_PORT_BASE
// (default 29300): ZooKeeper on the base, the first node's HTTP / native on base+5 / base+6, the other nodes
// on base+10k, base+10k+1 (the layout of scripts/stack/clickhouse-cluster.sh).
// (No vitest import here: the fault suite's globalSetup may use it.)
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const repoRoot = new URL('../../', import.meta.url).pathname
const base = Number(process.env.TEST_CLICKHOUSE_CLUSTER_PORT_BASE ?? 29300)

export const testCluster = {
  name: 'telemetry',
  home: process.env.TEST_CLICKHOUSE_CLUSTER_HOME ?? `${repoRoot}.local/cluster-stack`,
  zookeeperPort: base,
  /** node name → HTTP URL; s1r1 first (the consumers' CLICKHOUSE_URL) */
  nodes: { s1r1: `http://127.0.0.1:${base + 5}`, s1r2: `http://127.0.0.1:${base + 10}`, s2r1: `http://127.0.0.1:${base + 20}`, s2r2: `http://127.0.0.1:${base + 30}` },
}
export type ClusterNode = keyof typeof testCluster.nodes
export const clusterUrl = testCluster.nodes.s1r1

/** scripts/stack.sh for the test cluster: `up clickhouse` starts whatever of it is not running. */
export async function clusterStack(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    STACK_HOME: testCluster.home,
    STACK_CLICKHOUSE_CLUSTER: '2x2',
    STACK_CLICKHOUSE_CLUSTER_NAME: testCluster.name,
    STACK_CLICKHOUSE_CLUSTER_PORT_BASE: String(base),
    STACK_CLICKHOUSE_HTTP_PORT: String(base + 5),
    STACK_CLICKHOUSE_TCP_PORT: String(base + 6),
  }
  const { stdout } = await promisify(execFile)('bash', [`${repoRoot}scripts/stack.sh`, ...args], { env, timeout: 300_000 })
  return stdout
}

export function nodePid(node: ClusterNode): number {
  return Number(readFileSync(`${testCluster.home}/clickhouse-cluster/${node}/clickhouse.pid`, 'utf8').trim())
}

export function zookeeperPid(): number {
  return Number(readFileSync(`${testCluster.home}/zookeeper/zookeeper.pid`, 'utf8').trim())
}

/** Runs SQL on one node as `default` (the stack's admin user, localhost only); returns the body. */
export async function onNode(node: ClusterNode, sql: string): Promise<string> {
  const res = await fetch(testCluster.nodes[node], { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${node}: ${text.slice(0, 300)}`)
  return text
}
