// The fault suite's own Kafka + ClickHouse: scripts/stack.sh with a separate STACK_HOME and ports, so
// stopping, freezing and killing them never touches the shared dev stack on 9092 / 8123.
// (No vitest import here: globalSetup.ts uses this module.)
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

export const repoRoot = new URL('../../', import.meta.url).pathname

export const faultStack = {
  home: process.env.FAULTS_STACK_HOME ?? `${repoRoot}.local/faults-stack`,
  kafkaPort: Number(process.env.FAULTS_KAFKA_PORT ?? 29092),
  kafkaControllerPort: Number(process.env.FAULTS_KAFKA_CONTROLLER_PORT ?? 29093),
  clickhouseHttpPort: Number(process.env.FAULTS_CLICKHOUSE_HTTP_PORT ?? 28123),
  clickhouseTcpPort: Number(process.env.FAULTS_CLICKHOUSE_TCP_PORT ?? 29000),
}

export function stack(...args: string[]): Promise<string> {
  return runStack({}, args)
}

async function runStack(extra: Record<string, string>, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    ...extra,
    STACK_HOME: faultStack.home,
    STACK_KAFKA_PORT: String(faultStack.kafkaPort),
    STACK_KAFKA_CONTROLLER_PORT: String(faultStack.kafkaControllerPort),
    STACK_CLICKHOUSE_HTTP_PORT: String(faultStack.clickhouseHttpPort),
    STACK_CLICKHOUSE_TCP_PORT: String(faultStack.clickhouseTcpPort),
  }
  const { stdout } = await promisify(execFile)('bash', [`${repoRoot}scripts/stack.sh`, ...args], { env, timeout: 240_000 })
  return stdout
}

export function kafkaPid(): number {
  return Number(readFileSync(`${faultStack.home}/kafka/kafka.pid`, 'utf8').trim())
}


/**
 * The fault suite's three-node cluster (STACK_KAFKA_BROKERS=3), in place of its single broker while the
 * cluster scenarios run: node i on FAULTS_KAFKA_PORT + 2*(i-1), controller FAULTS_KAFKA_CONTROLLER_PORT + 2*(i-1).
 */
export const clusterNodes = 3
export const clusterBrokers = Array.from({ length: clusterNodes }, (_, i) => `127.0.0.1:${faultStack.kafkaPort + 2 * i}`)

export function clusterStack(...args: string[]): Promise<string> {
  return runStack({ STACK_KAFKA_BROKERS: String(clusterNodes) }, args)
}

export function nodePid(node: number): number {
  return Number(readFileSync(`${faultStack.home}/kafka/node-${node}/kafka.pid`, 'utf8').trim())
}
