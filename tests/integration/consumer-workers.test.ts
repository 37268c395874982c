// CONSUMER_WORKERS=2: the consumer process forks two group members (common/workers.ts); together they load
// every event of a two-partition topic once, and SIGTERM to the primary stops both cleanly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { batchItems } from '../../gateway/src/batchItems.ts'
import { dropDatabase, integrationConfig, queryRows, repoRoot, runId, testKafka, waitFor } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const topic = config.gateway.topicTemplate.replace('{category}', 'web')
let child: ChildProcess | null = null
let output = ''

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await dropDatabase(config)
})

const childrenOf = (pid: number) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return [] // pgrep exits 1 when there are none
  }
}

describe('CONSUMER_WORKERS=2', () => {
  it('runs two group members that load every event once, and stops both on SIGTERM', async () => {
    const kafka = testKafka(config)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
    await admin.disconnect()

    const env = {
      ...process.env,
      CONSUMER_WORKERS: '2',
      TOPIC_TEMPLATE: config.gateway.topicTemplate,
      DEAD_LETTER_TOPIC: config.consumer.deadLetterTopic,
      CONSUMER_GROUP: config.consumer.groupId,
      CLICKHOUSE_DATABASE: config.clickhouse.database,
      CONSUMER_TOPIC_REFRESH_MS: '500',
      CONSUMER_BATCH_MAX_WAIT_MS: '200',
      LOG_LEVEL: 'debug',
    }
    child = spawn(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}consumers/src/main.ts`], { env, cwd: repoRoot })
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    await waitFor('two members consuming', async () => output.split('"msg":"consuming"').length - 1 >= 2, 60_000)
    expect(childrenOf(child.pid!)).toHaveLength(2)

    // 200 events over 40 keys: both partitions get some
    const data = Array.from({ length: 200 }, (_, i) => ({ id: `w-${i}`, name: 'n', timestamp: Date.now() }))
    const events = batchItems({ meta: { app_id: `workers-${id}`, category: 'web' }, data }, config.limits, { requestId: `r${id}`, receivedAt: Date.now(), clientIp: '81.2.69.142', geo: () => ({ country: 'GB', region: '', city: '' }) }).outcomes
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: events.map((o, i) => ({ key: `device-${i % 40}`, value: JSON.stringify(o.ok ? o.item : null) })) })
    await producer.disconnect()

    const counts = await waitFor('200 rows', async () => {
      const [r] = await queryRows<{ raw: string; ids: string }>(config, `SELECT count() AS raw, uniqExact(event_id) AS ids FROM events WHERE app_id = 'workers-${id}'`)
      return Number(r?.ids) === 200 ? r : null
    }, 60_000)
    expect(Number(counts.raw)).toBe(200)
    // both members loaded: batches from partition 0 and from partition 1 (a batch's line is written after its
    // commit, which can come a little after its rows are visible)
    const loadedPartitions = () => [...new Set([...output.matchAll(/"msg":"batch loaded","topic":"[^"]+","partition":(\d)/g)].map((m) => m[1]))].sort()
    await waitFor('a batch loaded from each partition', async () => loadedPartitions().length === 2, 30_000).catch(() => {})
    expect(loadedPartitions()).toEqual(['0', '1'])

    const workers = childrenOf(child.pid!)
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    for (const pid of workers) expect(() => process.kill(Number(pid), 0)).toThrow()
    expect(output).toContain('"msg":"stopped"')
  }, 150_000)
})
