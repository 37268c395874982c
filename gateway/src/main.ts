// Gateway process: read configuration once, start, and shut down cleanly on SIGTERM / SIGINT.
// With GATEWAY_WORKERS > 1 (0 = one per CPU core) the primary forks that many workers (common/workers.ts);
// they share the listening port and each runs the whole gateway (own Kafka producer). (geoip-lite's data is read
// from its files on demand, geoFiles.ts, so the workers share it through the page cache instead of each holding a copy.)
import { availableParallelism } from 'node:os'
import { loadConfig } from '../../common/config.ts'
import { createLogger, errorMessage } from '../../common/logger.ts'
import { startGateway } from './server.ts'
import { stopOnSignals, superviseWorkers } from '../../common/workers.ts'
import { serveClusterMetrics } from '../../common/clusterMetrics.ts'
import { gatewayWorkerSetup } from './workerSetup.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}
const log = createLogger('gateway', config.log.level)
const workers = config.gateway.workers === 0 ? availableParallelism() : config.gateway.workers

// the workers' V8 flags and malloc arenas keep each worker's RSS small (workerSetup.ts)
if (superviseWorkers(workers, log, ['SIGHUP'], gatewayWorkerSetup(config.gateway))) serveClusterMetrics()
else {
  try {
    const gateway = await startGateway(config, log)
    stopOnSignals(() => gateway.stop(), log)
    // The key file is also re-read when it changes; SIGHUP forces it now.
    process.on('SIGHUP', () => void gateway.reloadWriteKeys())
  } catch (err) {
    log.error('gateway failed to start', { error: errorMessage(err) })
    process.exit(1)
  }
}
