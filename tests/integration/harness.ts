// Shared set-up for integration tests: the real Kafka and ClickHouse started by scripts/stack.sh, with
// names unique to one test run (topics, consumer group, database) so runs never see each other's data.
import { randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll } from 'vitest'
// registers the lz4 and zstd codecs (kafkajs ships gzip only): the gateway writes lz4 by default
import '../../common/kafka.ts'
import { loadConfig, type Config } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { createLogger } from '../../common/logger.ts'
import { createGeoLookup } from '../../gateway/src/geo.ts'
import { startGateway, type RunningGateway } from '../../gateway/src/server.ts'
import { startConsumer, type RunningConsumer } from '../../consumers/src/consumer.ts'
import { batchItems } from '../../gateway/src/batchItems.ts'
import { toEventRow, type EnrichedEvent } from '../../schemas/event.ts'

export const repoRoot = new URL('../../', import.meta.url).pathname

export function runId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
}

/** The dev write key of integration gateways (valid for every app); postJson sends it. */
export const INTEGRATION_DEV_KEY = 'integration-dev-key-0123456789'

export function integrationConfig(id: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    DEV_WRITE_KEY: INTEGRATION_DEV_KEY,
    WRITE_KEYS_FILE: `/tmp/it${id}-keys.json`,
    PORT: '0',
    TOPIC_TEMPLATE: `it${id}.{category}`,
    DEAD_LETTER_TOPIC: `it${id}_dead_letter`,
    CONSUMER_GROUP: `it${id}`,
    CLICKHOUSE_DATABASE: `it_${id}`,
    CONSUMER_TOPIC_REFRESH_MS: '500',
    CONSUMER_BATCH_MAX_WAIT_MS: '200',
    PRODUCE_TIMEOUT_MS: '3000',
    RETRY_AFTER_SECONDS: '2',
    LOG_LEVEL: 'warn',
    // self-metrics off unless a test turns them on (self-metrics, console, npm start tests): their topic would
    // appear mid-test and make the consumer re-join at a time of the test's own choosing otherwise (see
    // README, Known issues: a kafkajs consumer restarted while it is being replaced)
    SELF_METRICS_INTERVAL_MS: '0',
    // the gateway's producer library can be chosen for a whole run (KAFKA_PRODUCER_CLIENT=platformatic npx vitest ...)
    ...(process.env.KAFKA_PRODUCER_CLIENT ? { KAFKA_PRODUCER_CLIENT: process.env.KAFKA_PRODUCER_CLIENT } : {}),
    // the stack the runner points at (a second stack on other ports); without these the tests used the
    // defaults (9092 / 8123) while stack.sh, the CLI children and the outage test used the runner's ports
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    ...(process.env.CLICKHOUSE_URL ? { CLICKHOUSE_URL: process.env.CLICKHOUSE_URL } : {}),
    ...env,
  })
}

/** Logs go to memory (and to stderr when TEST_VERBOSE=1), so failures can show them. */
export function testLogger(component: string) {
  const lines: string[] = []
  const log = createLogger(component, 'info', (l) => {
    lines.push(l)
    if (process.env.TEST_VERBOSE === '1') process.stderr.write(l)
  })
  return { log, lines }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

export async function queryRows<T = Record<string, unknown>>(config: Config, sql: string): Promise<T[]> {
  const client = createClickHouse(config.clickhouse)
  try {
    const rs = await client.query({ query: sql, format: 'JSONEachRow' })
    return (await rs.json()) as T[]
  } finally {
    await client.close()
  }
}

/** The single number a `SELECT count() AS n ...` returns. */
export async function countRows(config: Config, sql: string): Promise<number> {
  return Number((await queryRows<{ n: string }>(config, sql))[0]!.n)
}

/**
 * Gateway and consumer in this process for the test file: started before its tests, stopped after them, and
 * the run's database dropped (kept with KEEP_TEST_DATABASE=1, for a look afterwards). A test may replace
 * `consumer` (a restart); whatever runs at the end is stopped.
 */
export function pipelineForTests(config: Config, logs = { gateway: testLogger('gateway'), consumer: testLogger('consumer') }) {
  const running = { gateway: undefined as unknown as RunningGateway, consumer: undefined as unknown as RunningConsumer }
  beforeAll(async () => {
    running.gateway = await startGateway(config, logs.gateway.log)
    running.consumer = await startConsumer(config, logs.consumer.log)
  })
  afterAll(async () => {
    await running.consumer?.stop()
    await running.gateway?.stop()
    if (process.env.KEEP_TEST_DATABASE === '1') console.log(`kept database ${config.clickhouse.database}`)
    else await dropDatabase(config)
  })
  return running
}

export async function dropDatabase(config: Config) {
  const client = createClickHouse(config.clickhouse, { database: null })
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS \`${config.clickhouse.database}\`` })
  } finally {
    await client.close()
  }
}

export function testKafka(config: Config): Kafka {
  return new Kafka({ clientId: 'integration-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING })
}

export async function stack(...args: string[]) {
  const { stdout } = await promisify(execFile)('bash', [`${repoRoot}scripts/stack.sh`, ...args], { timeout: 180_000 })
  return stdout
}

/** POST JSON with the integration dev key (`headers` may replace the authorization). */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INTEGRATION_DEV_KEY}`, ...headers }, body: JSON.stringify(body) })
  return { status: res.status, headers: res.headers, body: (await res.json()) as { code: number; message: string; parts: { id: string; backend_id: string; code: number; retryable: boolean }[] } }
}

const RECEIVED_AT = Date.parse('2026-11-25T10:00:00Z')
const geo = createGeoLookup()

/** Rows as the consumer writes them, built with the gateway's enrichment and the consumer's mapper. */
export function eventRows(appId: string, ids: string[]) {
  const data = ids.map((eid) => ({ id: eid, name: 'n', timestamp: RECEIVED_AT }))
  const { outcomes } = batchItems({ meta: { app_id: appId, category: 'web' }, data }, loadConfig({}).limits, { receivedAt: RECEIVED_AT, clientIp: '81.2.69.142', geo })
  return outcomes.map((o) => (o.ok ? toEventRow(o.item as EnrichedEvent) : null)!)
}
