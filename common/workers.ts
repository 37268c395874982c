// Process supervision shared by gateway and consumer: with more than one worker the primary forks that many
// (node:cluster) and only supervises. It restarts a worker that dies, stops everything when a worker cannot
// even start (a crash loop helps no one), and forwards the given signals to every worker.
import cluster from 'node:cluster'
import type { Logger } from './logger.ts'

/** What the workers get on top of the primary's own: Node/V8 flags (after the primary's) and environment. */
export type WorkerSetup = { flags?: string[]; env?: Record<string, string> }

/**
 * True in the primary of a multi-worker process: it supervises and the caller must not start the service.
 * `worker.env` is for what a process reads only as it starts (glibc's MALLOC_* variables).
 */
export function superviseWorkers(workers: number, log: Logger, forward: NodeJS.Signals[] = [], worker: WorkerSetup = {}): boolean {
  if (!cluster.isPrimary || workers <= 1) return false
  if (worker.flags?.length) cluster.setupPrimary({ execArgv: [...process.execArgv, ...worker.flags] })
  let stopping = false
  log.info('starting workers', { workers, ...worker })
  const bornAt = new Map<number, number>()
  const fork = () => bornAt.set(cluster.fork(worker.env).id, Date.now())
  for (let i = 0; i < workers; i++) fork()
  const eachWorker = (signal: NodeJS.Signals) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal)
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0)
      return
    }
    if (Date.now() - (bornAt.get(worker.id) ?? 0) < 5_000 && code !== 0) {
      log.error('worker failed at start; stopping', { pid: worker.process.pid, code })
      stopping = true
      eachWorker('SIGTERM')
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
    eachWorker('SIGTERM')
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  for (const signal of forward) process.on(signal, () => eachWorker(signal))
  return true
}

/**
 * A worker's (or single process's) clean stop: on SIGTERM or SIGINT (Ctrl-C reaches the workers and the
 * primary at once) stop the service once, then exit 0.
 */
export function stopOnSignals(stopService: () => Promise<void>, log: Logger): void {
  let stopping = false
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    await stopService()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}
