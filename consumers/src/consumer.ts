// Wires the loader from the configuration: migrate, then fetch → load → commit until stopped.
// main.ts and the integration tests use it.
import { Partitioners } from 'kafkajs'
import type { Config } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { errorMessage, type Logger } from '../../common/logger.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { createKafkaDeadLetterSink } from './deadLetter.ts'
import { createKafka, startKafkaSource } from './kafkaSource.ts'
import { faultHook } from './faultInjection.ts'
import { loadBatch } from './loader.ts'
import { createClickHouseWriter } from './steps/insertRows.ts'
import { routeForTopic } from './steps/mapTelemetryRows.ts'
import { createSelfTracer, nowNs } from '../../common/selfTrace.ts'
import { recordLoadSpans } from './traceLoad.ts'
import { createConsumerMetrics, timedWriter } from './metrics.ts'
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
  const dlqProducer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner })
  await dlqProducer.connect()
  const fault = faultHook(config.consumer.faultInjection, log.warn)
  const writer = createClickHouseWriter(clickhouse, fault)
  const deadLetters = createKafkaDeadLetterSink(dlqProducer, config.consumer.deadLetterTopic)
  // the consumer's own spans go straight to the spans topic through its producer (acks=-1)
  const selfTracer = createSelfTracer({
    config: config.selfTrace,
    service: 'telemetry-consumer',
    send: async (topic, messages) => void (await dlqProducer.send({ topic, acks: -1, messages })),
    onError: log.warn,
  })
  // and its own metrics (rows loaded, dead letters, inserts, lag, runtime) to the metrics topic
  const metrics = createConsumerMetrics()
  const selfMetrics = createSelfMetrics({
    config: config.selfMetrics,
    service: 'telemetry-consumer',
    registry: metrics.registry,
    send: async (topic, messages) => void (await dlqProducer.send({ topic, acks: -1, messages })),
    onError: log.warn,
  })

  // per partition: when its previous batch finished, to log how long the next one waited for its fetch
  const lastLoadEnd = new Map<string, number>()
  const source = startKafkaSource(
    kafka,
    config.consumer,
    async (batch) => {
      // one topic per batch: its category picks the table and row mapper (schemas/telemetryTypes.ts)
      const route = routeForTopic(config.consumer.topicTemplate, batch.messages[0]!.topic)
      const startNs = nowNs()
      const partitionKey = `${batch.messages[0]!.topic}/${batch.messages[0]!.partition}`
      const waitedMs = lastLoadEnd.has(partitionKey) ? Number(startNs / 1_000_000n) - lastLoadEnd.get(partitionKey)! : null
      const timed = timedWriter(writer)
      const result = await loadBatch(batch.messages, {
        writer: timed.writer,
        deadLetters,
        table: route.table,
        mapRow: route.mapRow,
        log,
        retryMaxMs: config.consumer.retryMaxMs,
        shouldContinue: batch.stillOwned,
        heartbeat: batch.heartbeat,
        commit: batch.commit,
        fault,
      })
      const endNs = nowNs()
      lastLoadEnd.set(partitionKey, Number(endNs / 1_000_000n))
      if (result.status === 'committed') {
        recordLoadSpans(selfTracer, batch.messages, { table: route.table, startNs, endNs, inserted: result.inserted, deadLettered: result.deadLettered })
        metrics.recordBatch({ table: route.table, messages: batch.messages, ...result, insertSeconds: timed.seconds(), highWatermark: batch.highWatermark })
        const m = batch.messages[0]!
        log.debug('batch loaded', {
          topic: m.topic,
          partition: m.partition,
          inserted: result.inserted,
          dead_lettered: result.deadLettered,
          next_offset: result.nextOffset,
          load_ms: Number((endNs - startNs) / 1_000_000n),
          waited_for_fetch_ms: waitedMs,
        })
      }
      return result.status
    },
    log,
  )
  await source.started
  log.info('consumer started', { group: config.consumer.groupId, clickhouse: config.clickhouse.url, database: config.clickhouse.database })

  return {
    /** Stop fetching; the batch in flight is finished or abandoned uncommitted; then close connections. */
    async stop() {
      await source.stop()
      await selfTracer.close()
      await selfMetrics.close()
      await dlqProducer.disconnect()
      await clickhouse.close()
    },
  }
}
