// Consumer process: migrate ClickHouse, then load every category topic into it until SIGTERM.
import { Partitioners } from 'kafkajs'
import { loadConfig } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { createLogger, errorMessage } from '../../common/logger.ts'
import { migrate } from '../../schemas/clickhouse/migrate.ts'
import { eventsTable } from '../../schemas/event.ts'
import { createKafkaDeadLetterSink } from './deadLetter.ts'
import { createKafka, startKafkaSource } from './kafkaSource.ts'
import { loadBatch } from './loader.ts'
import { createClickHouseWriter } from './steps/insertRows.ts'

const config = (() => {
  try {
    return loadConfig()
  } catch (err) {
    console.error(errorMessage(err))
    process.exit(2)
  }
})()
const log = createLogger('consumer', config.log.level)

export async function startConsumer() {
  // ClickHouse may still be starting: retry the migration instead of crash-looping.
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
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
  const writer = createClickHouseWriter(clickhouse)
  const deadLetters = createKafkaDeadLetterSink(dlqProducer, config.consumer.deadLetterTopic)

  const source = startKafkaSource(
    kafka,
    config.consumer,
    async (batch) => {
      const result = await loadBatch(batch.messages, {
        writer,
        deadLetters,
        table: eventsTable.name,
        log,
        retryMaxMs: config.consumer.retryMaxMs,
        shouldContinue: batch.stillOwned,
        heartbeat: batch.heartbeat,
        commit: batch.commit,
      })
      if (result.status === 'committed') {
        const m = batch.messages[0]!
        log.debug('batch loaded', { topic: m.topic, partition: m.partition, inserted: result.inserted, dead_lettered: result.deadLettered, next_offset: result.nextOffset })
      }
      return result.status
    },
    log,
  )
  await source.started
  log.info('consumer started', { group: config.consumer.groupId, clickhouse: config.clickhouse.url, database: config.clickhouse.database })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    await source.stop()
    await dlqProducer.disconnect()
    await clickhouse.close()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

startConsumer().catch((err) => {
  log.error('consumer failed to start', { error: errorMessage(err) })
  process.exit(1)
})
