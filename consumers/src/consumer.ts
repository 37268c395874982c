// Wires the loader from the configuration: migrate, then fetch → load → commit until stopped.
// main.ts and the integration tests use it.
import { Partitioners } from 'kafkajs'
import type { Config } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { errorMessage, type Logger } from '../../common/logger.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { createKafkaDeadLetterSink, type DeadLetterSink } from './deadLetter.ts'
import { createTopicAdmin } from '../../common/kafkaTopics.ts'
import { createKafka, startKafkaSource } from './kafkaSource.ts'
import { faultHook } from './faultInjection.ts'
import { createBatchLoader } from './loader.ts'
import { createClickHouseWriter, insertSettings } from './steps/insertRows.ts'
import { createSelfTracer } from '../../common/selfTrace.ts'
import { createConsumerMetrics } from './metrics.ts'
import { createSelfMetrics } from '../../common/selfMetrics.ts'

export type RunningConsumer = { stop: () => Promise<void> }

export async function startConsumer(config: Config, log: Logger): Promise<RunningConsumer> {
  // ClickHouse may still be starting: retry the migration instead of crash-looping.
  for (let delay = 500; config.consumer.migrateOnStart; delay = Math.min(delay * 2, 10_000)) {
    try {
      await migrate(config.clickhouse)
      break
    } catch (err) {
      log.warn('migration failed; retrying', { error: errorMessage(err), retry_in_ms: delay })
      await new Promise((r) => setTimeout(r, delay))
    }
  }
  const clickhouse = createClickHouse(config.clickhouse)
  const kafka = createKafka(config.kafka, log)
  // dead letters and the consumer's own spans both go out through this one producer
  const kafkaProducer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner })
  await kafkaProducer.connect()
  const fault = faultHook(config.consumer.faultInjection, log.warn)
  const writer = createClickHouseWriter(clickhouse, fault, insertSettings(config.clickhouse.cluster), config.consumer.insertFormat)
  // the dead-letter and spans topics are created with the configured settings before their first write
  const topicAdmin = createTopicAdmin(config.kafka, log)
  const dlqSink = createKafkaDeadLetterSink(kafkaProducer, config.consumer.deadLetterTopic)
  const deadLetters: DeadLetterSink = {
    async send(items) {
      if (items.length > 0) await topicAdmin.ensure(config.consumer.deadLetterTopic)
      await dlqSink.send(items)
    },
  }
  // the consumer's own spans go straight to the spans topic through its producer (acks=-1)
  const selfTracer = createSelfTracer({
    config: config.selfTrace,
    service: 'telemetry-consumer',
    send: async (topic, messages) => {
      await topicAdmin.ensure(topic)
      await kafkaProducer.send({ topic, acks: -1, messages })
    },
    onError: log.warn,
  })
  // and its own metrics (rows loaded, dead letters, inserts, lag, runtime) to the metrics topic
  const metrics = createConsumerMetrics()
  const selfMetrics = createSelfMetrics({
    config: config.selfMetrics,
    service: 'telemetry-consumer',
    registry: metrics.registry,
    send: async (topic, messages) => {
      await topicAdmin.ensure(topic)
      await kafkaProducer.send({ topic, acks: -1, messages })
    },
    onError: log.warn,
  })

  const source = startKafkaSource(kafka, config.consumer, createBatchLoader({ writer, deadLetters, log, retryMaxMs: config.consumer.retryMaxMs, fault, topicTemplate: config.consumer.topicTemplate, selfTracer, metrics }), log)
  await source.started
  log.info('consumer started', { group: config.consumer.groupId, clickhouse: config.clickhouse.url, database: config.clickhouse.database })

  return {
    /** Stop fetching; the batch in flight is finished or abandoned uncommitted; then close connections. */
    async stop() {
      await source.stop()
      await selfTracer.close()
      await selfMetrics.close()
      await kafkaProducer.disconnect()
      await topicAdmin.close()
      await clickhouse.close()
    },
  }
}
