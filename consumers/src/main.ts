// Consumer process: read configuration once, start loading, and stop cleanly on SIGTERM / SIGINT.
import { loadConfig } from '../../common/config.ts'
import { createLogger, errorMessage } from '../../common/logger.ts'
import { startConsumer } from './consumer.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}
const log = createLogger('consumer', config.log.level)

try {
  const consumer = await startConsumer(config, log)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    await consumer.stop()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
} catch (err) {
  log.error('consumer failed to start', { error: errorMessage(err) })
  process.exit(1)
}
