// Prometheus metrics of the gateway (GET /metrics). Names follow the seed's counters: all_upload,
// wrong_meta, wrong_data, success_upload are the `type` label of gateway_uploads_total.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { metricsForScrape } from '../../common/clusterMetrics.ts'

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>

const MAX_CATEGORY_LABELS = 100

export function createGatewayMetrics() {
  const registry = new Registry()
  // process CPU, resident memory, heap, GC, and nodejs_eventloop_lag_* (what the seeds' operators watch)
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 })

  const httpRequests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const uploads = new Counter({
    name: 'gateway_uploads_total',
    help: 'Uploads by type: all_upload (every batch request), wrong_meta (bad meta), wrong_data (per invalid event), success_upload (batch fully accepted)',
    labelNames: ['type'] as const,
    registers: [registry],
  })
  const events = new Counter({
    name: 'gateway_events_total',
    help: 'Events by category, outcome (accepted|rejected) and reason (a part code name)',
    labelNames: ['category', 'outcome', 'reason'] as const,
    registers: [registry],
  })
  const produceDuration = new Histogram({
    name: 'gateway_kafka_produce_duration_seconds',
    help: 'Time until Kafka acknowledged (or the produce failed), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })

  const authFailures = new Counter({
    name: 'gateway_auth_failures_total',
    help: 'Ingest requests refused for their write key: missing, unknown (or revoked), wrong_app',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  // key_id values come from the key file (few), never from the client
  const rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help: 'Ingest requests answered 429 by the per-key rate limit, by write key id',
    labelNames: ['key_id'] as const,
    registers: [registry],
  })

  const otlpEmptyRequests = new Counter({
    name: 'gateway_otlp_empty_requests_total',
    help: 'OTLP export requests that decoded to no span, data point or log record (answered 200, nothing stored), by signal',
    labelNames: ['signal'] as const,
    registers: [registry],
  })

  // Categories come from clients: cap the label values so a hostile client cannot explode the series.
  const seenCategories = new Set<string>()
  const categoryLabel = (category: string) => {
    if (seenCategories.has(category)) return category
    if (seenCategories.size >= MAX_CATEGORY_LABELS) return '_other'
    seenCategories.add(category)
    return category
  }

  return {
    registry,
    /** what GET /metrics answers: with GATEWAY_WORKERS > 1 the sum over all workers, else this registry */
    scrape: metricsForScrape(registry),
    httpRequests,
    httpDuration,
    uploads,
    produceDuration,
    authFailures,
    rateLimited,
    otlpEmptyRequests,
    countEvent(category: string, outcome: 'accepted' | 'rejected', reason: string, n = 1) {
      events.inc({ category: categoryLabel(category), outcome, reason }, n)
    },
  }
}
