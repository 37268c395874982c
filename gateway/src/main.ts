// Gateway process: read configuration once, start, and shut down cleanly on SIGTERM / SIGINT.
// With GATEWAY_WORKERS > 1 (0 = one per CPU core) the primary forks that many workers (node:cluster); they
// share the listening port and each runs the whole gateway (own Kafka producer). The primary only
// supervises: it restarts a worker that dies and forwards SIGTERM / SIGINT. (geoip-lite's data cannot be
// shared: cluster workers are new processes, not copy-on-write forks, so each loads its own copy.)
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
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
const workers = config.gateway.workers === 0 ? availableParallelism() : config.gateway.workers

if (cluster.isPrimary && workers > 1) {
  let stopping = false
  log.info('starting workers', { workers })
  const bornAt = new Map<number, number>()
  const fork = () => bornAt.set(cluster.fork().id, Date.now())
  for (let i = 0; i < workers; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    // a worker that cannot even start (bad port, Kafka client bug) would crash-loop: stop instead
    if (Date.now() - (bornAt.get(worker.id) ?? 0) < 5_000 && code !== 0) {
      log.error('worker failed at start; stopping', { pid: worker.process.pid, code })
      stopping = true
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
      process.exitCode = code ?? 1
      return
    }
    log.error('worker died; starting another', { pid: worker.process.pid, code, signal })
    fork()
  })
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info('shutting down workers', { signal })
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP')
  })
} else {
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
    // Ctrl-C reaches the workers and the primary at once; workers stop on it too.
    process.on('SIGINT', () => void stop('SIGINT'))
    // The key file is also re-read when it changes; SIGHUP forces it now.
    process.on('SIGHUP', () => void gateway.reloadWriteKeys())
  } catch (err) {
    log.error('gateway failed to start', { error: errorMessage(err) })
    process.exit(1)
  }
}
