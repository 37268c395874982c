import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'

describe('loadConfig: access control settings', () => {
  it('has auth on, no dev key, no CORS, no anonymisation and a rate limit by default', () => {
    const c = loadConfig({})
    expect(c.auth).toEqual({ required: true, keysFile: '.local/keys.json', devKey: undefined, rateLimit: { requestsPerSecond: 50, burst: 100 } })
    expect(c.gateway.corsAllowedOrigins).toEqual([])
    expect(c.gateway.ipAnonymization).toBe('off')
  })

  it('treats an empty DEV_WRITE_KEY (compose ${VAR:-}) as unset', () => {
    expect(loadConfig({ DEV_WRITE_KEY: '' }).auth.devKey).toBeUndefined()
  })

  it('gives the query CLI its own user when CLICKHOUSE_QUERY_USER is set, else the main one', () => {
    expect(loadConfig({ CLICKHOUSE_USER: 'admin', CLICKHOUSE_PASSWORD: 'p' }).clickhouseQuery).toMatchObject({ user: 'admin', password: 'p' })
    expect(loadConfig({ CLICKHOUSE_USER: 'admin', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_QUERY_USER: 'reader' }).clickhouseQuery).toMatchObject({ user: 'reader', password: '' })
  })

  it.each([
    ['AUTH_REQUIRED', 'yes', /AUTH_REQUIRED: expected true or false/],
    ['DEV_WRITE_KEY', 'short', /DEV_WRITE_KEY must be at least 16 characters/],
    ['IP_ANONYMIZATION', 'hash', /IP_ANONYMIZATION/],
    ['RATE_LIMIT_BURST', '0', /RATE_LIMIT_BURST/],
    ['RATE_LIMIT_REQUESTS_PER_SECOND', '-1', /RATE_LIMIT_REQUESTS_PER_SECOND/],
    ['CONSUMER_WORKERS', '-1', /CONSUMER_WORKERS/],
    ['KAFKA_COMPRESSION', 'snappy', /KAFKA_COMPRESSION/],
    ['KAFKA_RECORD_MAX_BYTES', '2000000', /KAFKA_RECORD_MAX_BYTES must stay below the broker's 1 MB message limit/],
    ['KAFKA_RECORD_MAX_BYTES', '-1', /KAFKA_RECORD_MAX_BYTES/],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message)
  })

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads AUTH_REQUIRED=%s', (value, expected) => {
    expect(loadConfig({ AUTH_REQUIRED: value }).auth.required).toBe(expected)
  })
})

describe('loadConfig: Kafka producer client', () => {
  it.each([
    [undefined, 'platformatic'],
    ['kafkajs', 'kafkajs'],
    ['platformatic', 'platformatic'],
  ])('reads KAFKA_PRODUCER_CLIENT=%s as %s', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { KAFKA_PRODUCER_CLIENT: value }).kafka.producerClient).toBe(expected)
  })

  it.each(['rdkafka', 'KafkaJS', ''])('refuses KAFKA_PRODUCER_CLIENT=%j with a message naming it', (value) => {
    expect(() => loadConfig({ KAFKA_PRODUCER_CLIENT: value })).toThrow(/KAFKA_PRODUCER_CLIENT/)
  })
})

describe('loadConfig: topic settings follow the cluster size', () => {
  it.each([
    ['127.0.0.1:9092', { partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 }],
    ['a:9092,b:9094', { partitions: 4, replicationFactor: 2, minInsyncReplicas: 1 }],
    ['a:9092,b:9094,c:9096', { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 }],
    ['a:1,b:2,c:3,d:4,e:5', { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 }],
  ])('KAFKA_BROKERS=%s gives %o', (brokers, expected) => {
    expect(loadConfig({ KAFKA_BROKERS: brokers }).kafka.topics).toEqual(expected)
  })

  it('takes KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS when set (empty = unset)', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:1,b:2,c:3', KAFKA_PARTITIONS: '12', KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '3' }).kafka.topics).toEqual({ partitions: 12, replicationFactor: 3, minInsyncReplicas: 3 })
    expect(loadConfig({ KAFKA_BROKERS: 'a:1,b:2,c:3', KAFKA_REPLICATION_FACTOR: '2' }).kafka.topics).toEqual({ partitions: 6, replicationFactor: 2, minInsyncReplicas: 1 })
    expect(loadConfig({ KAFKA_PARTITIONS: '', KAFKA_REPLICATION_FACTOR: '', KAFKA_MIN_INSYNC_REPLICAS: '' }).kafka.topics).toEqual({ partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 })
  })

  it('refuses a min ISR above the replication factor, and values below 1, naming the variable', () => {
    expect(() => loadConfig({ KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '2' })).toThrow(/KAFKA_MIN_INSYNC_REPLICAS \(2\) must be <= KAFKA_REPLICATION_FACTOR \(1\)/)
    expect(() => loadConfig({ KAFKA_PARTITIONS: '0' })).toThrow(/KAFKA_PARTITIONS/)
    expect(() => loadConfig({ KAFKA_REPLICATION_FACTOR: 'three' })).toThrow(/KAFKA_REPLICATION_FACTOR/)
  })
})
