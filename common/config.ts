// The one configuration object. Read once at start from the environment, validated, then each component
// receives only its slice (config.gateway, config.kafka, ...). Every variable is documented in README.md.
import { z } from 'zod'

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def)
const list = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1')

// `VAR=` (as compose writes `${VAR:-}`) means unset
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema)

const envSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  PORT: int(8080, 0),
  TRUSTED_PROXIES: list,
  REQUEST_TIMEOUT_MS: int(30_000, 1000),
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  GATEWAY_WORKERS: int(0, 0),
  // V8's young generation per gateway worker (--max-semi-space-size, MB); 0 = V8's default (32 on Node 24). loadtest/README.md has the measurement.
  GATEWAY_WORKER_SEMI_SPACE_MB: int(8, 0),
  // V8's old-generation growth per gateway worker (--heap-growing-percent): 100 = a full GC once it doubles; 0 = V8's own (up to 4×)
  GATEWAY_WORKER_HEAP_GROWING_PERCENT: int(100, 0),
  // glibc malloc arenas per gateway worker (MALLOC_ARENA_MAX in the worker's environment); 0 = glibc's default
  GATEWAY_WORKER_MALLOC_ARENA_MAX: int(2, 0),
  GATEWAY_MAX_IN_FLIGHT: int(64, 1),

  AUTH_REQUIRED: bool(true),
  WRITE_KEYS_FILE: z.string().min(1).default('.local/keys.json'),
  // A key valid for every app, for local use, scripts and tests; never set one in production.
  DEV_WRITE_KEY: unsetIfEmpty(z.string().min(16, 'DEV_WRITE_KEY must be at least 16 characters').optional()),
  RATE_LIMIT_REQUESTS_PER_SECOND: z.coerce.number().min(0).default(50),
  RATE_LIMIT_BURST: int(100, 1),
  CORS_ALLOWED_ORIGINS: list,
  IP_ANONYMIZATION: z.enum(['off', 'truncate', 'drop']).default('off'),

  LIMIT_BODY_BYTES: int(1024 * 1024, 1),
  LIMIT_DECOMPRESSED_BYTES: int(5 * 1024 * 1024, 1),
  LIMIT_EVENTS_PER_BATCH: int(500, 1),
  LIMIT_OTLP_ITEMS_PER_REQUEST: int(10_000, 1),
  LIMIT_EVENT_BYTES: int(32 * 1024, 64),
  LIMIT_PROPERTY_DEPTH: int(5, 1),
  LIMIT_PROPERTY_KEYS: int(200, 1),
  MAX_FUTURE_MS: int(24 * 60 * 60 * 1000, 0),

  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'KAFKA_BROKERS needs at least one host:port')),
  KAFKA_CLIENT_ID: z.string().default('telemetry-ingest'),
  // Topics the pipeline creates (category, dead-letter, spans/metrics/logs); unset = follow the cluster size
  // (the number of KAFKA_BROKERS entries): see kafkaTopicSettings below.
  KAFKA_PARTITIONS: unsetIfEmpty(z.coerce.number().int().min(1).optional()),
  KAFKA_REPLICATION_FACTOR: unsetIfEmpty(z.coerce.number().int().min(1).optional()),
  KAFKA_MIN_INSYNC_REPLICAS: unsetIfEmpty(z.coerce.number().int().min(1).optional()),
  TOPIC_TEMPLATE: z
    .string()
    .default('telemetry.{category}')
    .refine((t) => t.includes('{category}'), 'TOPIC_TEMPLATE must contain {category}'),
  DEAD_LETTER_TOPIC: z.string().default('telemetry_dead_letter'),
  PRODUCE_TIMEOUT_MS: int(5_000, 100),
  RETRY_AFTER_SECONDS: int(5, 1),
  KAFKA_COMPRESSION: z.enum(['none', 'gzip', 'zstd', 'lz4']).default('lz4'),
  KAFKA_LINGER_MS: int(2, 0),
  // The gateway's Kafka producer library (the consumers always use kafkajs); loadtest/README.md has the measurement.
  KAFKA_PRODUCER_CLIENT: z.enum(['kafkajs', 'platformatic']).default('platformatic'),
  // Idempotent producers per gateway process (platformatic client), each key always on the same one: produce requests in flight per broker.
  KAFKA_PRODUCER_LANES: int(4, 1),
  // An upload's items of one partition key share a Kafka record (NDJSON) up to this size; 0 = one item per record (the format before).
  KAFKA_RECORD_MAX_BYTES: z.coerce.number().int().min(0).max(1_000_000, 'KAFKA_RECORD_MAX_BYTES must stay below the broker\'s 1 MB message limit').default(262_144),

  CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  // The query CLI's user: read-only (the CLI also forces readonly=1 per query). Defaults to CLICKHOUSE_USER.
  CLICKHOUSE_QUERY_USER: unsetIfEmpty(z.string().optional()),
  CLICKHOUSE_QUERY_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'CLICKHOUSE_DATABASE must be a plain identifier')
    .default('telemetry'),
  // A ClickHouse cluster (remote_servers name): migrate creates replicated local tables + Distributed ones on it.
  CLICKHOUSE_CLUSTER: unsetIfEmpty(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'CLICKHOUSE_CLUSTER must be a plain identifier').optional()),

  CONSUMER_GROUP: z.string().default('telemetry-clickhouse-loader'),
  CONSUMER_WORKERS: int(1, 0),
  CONSUMER_BATCH_MAX_ROWS: int(10_000, 1),
  CONSUMER_BATCH_MAX_WAIT_MS: int(1_000, 0),
  CONSUMER_FETCH_MIN_BYTES: int(1024 * 1024, 1),
  CONSUMER_TOPIC_REFRESH_MS: int(10_000, 100),
  CONSUMER_PARTITIONS_CONCURRENTLY: int(2, 1),
  CONSUMER_RETRY_MAX_MS: int(30_000, 100),
  // false when the consumers run as a user without DDL rights (telemetry_writer): run `npm run migrate` as admin
  CONSUMER_MIGRATE_ON_START: bool(true),
  CONSUMER_SESSION_TIMEOUT_MS: int(30_000, 6_000),
  // How the consumer sends rows to ClickHouse: TabSeparated costs both sides less (loadtest/README.md "Consumer cost").
  CONSUMER_INSERT_FORMAT: z.enum(['TabSeparated', 'JSONEachRow']).default('TabSeparated'),

  // Share of uploads the pipeline traces itself (0 = off, 1 = all); a caller's sampled traceparent is honoured.
  SELF_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0),
  // How often gateway and consumers write their own metrics to the metrics topic (0 = off).
  SELF_METRICS_INTERVAL_MS: int(15_000, 0),

  // The web console (npm run console): address, and the token required when it is not bound to loopback.
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: int(8088, 0),
  CONSOLE_TOKEN: unsetIfEmpty(z.string().min(16, 'CONSOLE_TOKEN must be at least 16 characters').optional()),

  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Test-only (tests/faults): the consumer SIGKILLs itself at a crash point of its n-th batch.
  FAULT_INJECT: z
    .string()
    .regex(/^(crash-(before|during|after)-insert:[1-9][0-9]*)?$/, 'FAULT_INJECT must be empty or crash-(before|during|after)-insert:<n>')
    .default(''),
})

export type Env = z.input<typeof envSchema>

/** Every environment variable the configuration reads (README's configuration table documents each). */
export const configVariables = Object.keys(envSchema.shape)

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  if (e.LIMIT_DECOMPRESSED_BYTES < e.LIMIT_BODY_BYTES) {
    throw new Error('invalid configuration:\n  LIMIT_DECOMPRESSED_BYTES must be >= LIMIT_BODY_BYTES')
  }
  const topics = kafkaTopicSettings(e)
  return {
    gateway: {
      host: e.HOST,
      port: e.PORT,
      trustedProxies: e.TRUSTED_PROXIES,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      workers: e.GATEWAY_WORKERS,
      workerSemiSpaceMb: e.GATEWAY_WORKER_SEMI_SPACE_MB,
      workerHeapGrowingPercent: e.GATEWAY_WORKER_HEAP_GROWING_PERCENT,
      workerMallocArenaMax: e.GATEWAY_WORKER_MALLOC_ARENA_MAX,
      maxInFlight: e.GATEWAY_MAX_IN_FLIGHT,
      produceTimeoutMs: e.PRODUCE_TIMEOUT_MS,
      retryAfterSeconds: e.RETRY_AFTER_SECONDS,
      topicTemplate: e.TOPIC_TEMPLATE,
      recordMaxBytes: e.KAFKA_RECORD_MAX_BYTES,
      maxFutureMs: e.MAX_FUTURE_MS,
      ipAnonymization: e.IP_ANONYMIZATION,
      corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
    },
    auth: {
      required: e.AUTH_REQUIRED,
      keysFile: e.WRITE_KEYS_FILE,
      devKey: e.DEV_WRITE_KEY,
      rateLimit: { requestsPerSecond: e.RATE_LIMIT_REQUESTS_PER_SECOND, burst: e.RATE_LIMIT_BURST },
    },
    limits: {
      bodyBytes: e.LIMIT_BODY_BYTES,
      decompressedBytes: e.LIMIT_DECOMPRESSED_BYTES,
      eventsPerBatch: e.LIMIT_EVENTS_PER_BATCH,
      otlpItemsPerRequest: e.LIMIT_OTLP_ITEMS_PER_REQUEST,
      eventBytes: e.LIMIT_EVENT_BYTES,
      propertyDepth: e.LIMIT_PROPERTY_DEPTH,
      propertyKeys: e.LIMIT_PROPERTY_KEYS,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      compression: e.KAFKA_COMPRESSION,
      lingerMs: e.KAFKA_LINGER_MS,
      producerClient: e.KAFKA_PRODUCER_CLIENT,
      producerLanes: e.KAFKA_PRODUCER_LANES,
      topics,
    },
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      ...(e.CLICKHOUSE_CLUSTER ? { cluster: e.CLICKHOUSE_CLUSTER } : {}),
    },
    /** The query CLI's connection: same server and database, read-only user when one is configured. */
    clickhouseQuery: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_QUERY_USER ?? e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_QUERY_PASSWORD ?? (e.CLICKHOUSE_QUERY_USER === undefined ? e.CLICKHOUSE_PASSWORD : ''),
      database: e.CLICKHOUSE_DATABASE,
    },
    consumer: {
      groupId: e.CONSUMER_GROUP,
      workers: e.CONSUMER_WORKERS,
      topicTemplate: e.TOPIC_TEMPLATE,
      deadLetterTopic: e.DEAD_LETTER_TOPIC,
      batchMaxRows: e.CONSUMER_BATCH_MAX_ROWS,
      batchMaxWaitMs: e.CONSUMER_BATCH_MAX_WAIT_MS,
      fetchMinBytes: e.CONSUMER_FETCH_MIN_BYTES,
      topicRefreshMs: e.CONSUMER_TOPIC_REFRESH_MS,
      partitionsConcurrently: e.CONSUMER_PARTITIONS_CONCURRENTLY,
      retryMaxMs: e.CONSUMER_RETRY_MAX_MS,
      migrateOnStart: e.CONSUMER_MIGRATE_ON_START,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
      insertFormat: e.CONSUMER_INSERT_FORMAT,
      faultInjection: parseFaultInjection(e.FAULT_INJECT),
    },
    selfTrace: { sampleRatio: e.SELF_TRACE_SAMPLE_RATIO, topicTemplate: e.TOPIC_TEMPLATE },
    selfMetrics: { intervalMs: e.SELF_METRICS_INTERVAL_MS, topicTemplate: e.TOPIC_TEMPLATE },
    console: { host: e.CONSOLE_HOST, port: e.CONSOLE_PORT, token: e.CONSOLE_TOKEN },
    log: { level: e.LOG_LEVEL },
  }
}

/**
 * Partitions, replication factor and min.insync.replicas of the topics the pipeline creates. Unset, they
 * follow the cluster size, counted as the KAFKA_BROKERS entries: one broker → 2 partitions, replication 1,
 * min ISR 1 (as before); three or more → 6 partitions (two leaders per broker), replication 3, min ISR 2
 * (acks=all then survives the loss of any one broker); two → 4 / 2 / 1.
 */
function kafkaTopicSettings(e: z.output<typeof envSchema>) {
  const brokers = e.KAFKA_BROKERS.length
  const replicationFactor = e.KAFKA_REPLICATION_FACTOR ?? Math.min(3, brokers)
  const minInsyncReplicas = e.KAFKA_MIN_INSYNC_REPLICAS ?? (replicationFactor >= 3 ? 2 : 1)
  const partitions = e.KAFKA_PARTITIONS ?? 2 * Math.min(3, brokers)
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(`invalid configuration:\n  KAFKA_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) must be <= KAFKA_REPLICATION_FACTOR (${replicationFactor}): no write could ever be acknowledged`)
  }
  return { partitions, replicationFactor, minInsyncReplicas }
}

export type FaultInjection = { point: 'before-insert' | 'during-insert' | 'after-insert'; nth: number }

function parseFaultInjection(spec: string): FaultInjection | null {
  const m = /^crash-(before|during|after)-insert:(\d+)$/.exec(spec)
  return m ? { point: `${m[1]}-insert` as FaultInjection['point'], nth: Number(m[2]) } : null
}

export type Config = ReturnType<typeof loadConfig>
export type GatewayConfig = Config['gateway']
export type Limits = Config['limits']
export type AuthConfig = Config['auth']
export type KafkaConfig = Config['kafka']
export type ClickHouseConfig = Config['clickhouse']
export type ConsumerConfig = Config['consumer']
