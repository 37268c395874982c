// /metrics of a multi-worker process (node:cluster): every worker keeps its own prom-client registry, and a
// scrape, whichever worker the connection lands on, answers the sum over all workers (prom-client's
// AggregatorRegistry, run in the primary). Without it successive scrapes alternate between workers and
// counters seem to go backwards. A single process answers its own registry.
import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import { errorMessage } from './logger.ts'

const REQUEST = 'telemetry:cluster-metrics-request'
const RESPONSE = 'telemetry:cluster-metrics-response'
type Message = { type?: string; id?: number; text?: string; error?: string }

/** In the primary: answer workers asking for the whole cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry()
  cluster.on('message', (worker, msg: Message) => {
    if (msg?.type !== REQUEST) return
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: RESPONSE, id: msg.id, text }),
      (err) => worker.isConnected() && worker.send({ type: RESPONSE, id: msg.id, error: errorMessage(err) }),
    )
  })
}

/**
 * The Prometheus text a scrape should get: in a cluster worker, the aggregate over every worker (this
 * worker's `registry` takes part); otherwise the registry's own. Rejects when the primary does not answer.
 */
export function metricsForScrape(registry: Registry, timeoutMs = 6_000): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics()
  // the worker side of prom-client's aggregation: answer the primary with this registry
  new AggregatorRegistry()
  AggregatorRegistry.setRegistries([registry])
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>()
  let nextId = 0
  process.on('message', (msg: Message) => {
    if (msg?.type !== RESPONSE || msg.id === undefined) return
    const p = pending.get(msg.id)
    pending.delete(msg.id)
    if (msg.error !== undefined) p?.reject(new Error(msg.error))
    else p?.resolve(msg.text ?? '')
  })
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`the primary did not send the cluster's metrics within ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, { resolve: (t) => (clearTimeout(timer), resolve(t)), reject: (e) => (clearTimeout(timer), reject(e)) })
      process.send!({ type: REQUEST, id })
    })
}
