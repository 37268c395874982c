// Consumer process: read configuration once, start loading, and stop cleanly on SIGTERM / SIGINT.
// With CONSUMER_WORKERS > 1 (0 = one per CPU core) the primary forks that many workers (common/workers.ts),
// each a member of the one consumer group: Kafka spreads the partitions over them.
import { availableParallelism } from 'node:os'
import { loadConfig, type Config } from '../../common/config.ts'
import { createLogger, errorMessage, type Logger } from '../../common/logger.ts'
import { stopOnSignals, superviseWorkers } from '../../common/workers.ts'
import { startConsumer } from './consumer.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}
const log = createLogger('consumer', config.log.level)
const workers = config.consumer.workers === 0 ? availableParallelism() : config.consumer.workers

if (!superviseWorkers(workers, log)) await runConsumer(config, log)

async function runConsumer(config: Config, log: Logger) {
  try {
    const consumer = await startConsumer(config, log)
    stopOnSignals(() => consumer.stop(), log)
  } catch (err) {
    log.error('consumer failed to start', { error: errorMessage(err) })
    process.exit(1)
  }
}
