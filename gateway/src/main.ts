// Gateway process: read configuration once, start, and shut down cleanly on SIGTERM / SIGINT.
import { loadConfig } from '../../common/config.ts'
import { createLogger, errorMessage } from '../../common/logger.ts'
import { startGateway } from './server.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}
const log = createLogger('gateway', config.log.level)

try {
  const gateway = await startGateway(config, log)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    await gateway.stop()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  // The key file is also re-read when it changes; SIGHUP forces it now.
  process.on('SIGHUP', () => void gateway.reloadWriteKeys())
} catch (err) {
  log.error('gateway failed to start', { error: errorMessage(err) })
  process.exit(1)
}
