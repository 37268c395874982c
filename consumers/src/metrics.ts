// The consumer's own metrics (prom-client, no HTTP endpoint): what the self-metrics reports
// (common/selfMetrics.ts) write to the metrics topic. Batches made only of self-telemetry (the pipeline's
// own spans and metric points) are not counted: loading a report must not change the next one (no loop).
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { SELF_TELEMETRY_HEADER } from '../../common/selfTrace.ts'
import type { InboundMessage } from './inboundMessage.ts'
import { itemCount } from './recordItems.ts'
import type { RowWriter } from './steps/insertRows.ts'

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>

export type LoadedBatch = {
  table: string
  messages: InboundMessage[]
  inserted: number
  deadLettered: number
  /** the time ClickHouse took for the batch's insert(s) */
  insertSeconds: number
  /** the partition's log end offset when the batch was fetched */
  highWatermark?: string
  nextOffset: string
}

export function createConsumerMetrics() {
  const registry = new Registry()
  const rowsLoaded = new Counter({ name: 'consumer_rows_loaded_total', help: 'Rows inserted into ClickHouse, by table (self-telemetry not counted)', labelNames: ['table'] as const, registers: [registry] })
  const deadLetters = new Counter({ name: 'consumer_dead_letters_total', help: 'Items sent to the dead-letter topic (one dead letter each), by source table', labelNames: ['table'] as const, registers: [registry] })
  const insertDuration = new Histogram({
    name: 'consumer_insert_duration_seconds',
    help: 'ClickHouse insert time per batch, by table',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const insertRows = new Histogram({
    name: 'consumer_insert_rows',
    help: 'Rows per ClickHouse insert, by table',
    labelNames: ['table'] as const,
    buckets: [1, 10, 100, 1_000, 5_000, 10_000, 50_000],
    registers: [registry],
  })
  const lag = new Gauge({ name: 'consumer_lag', help: 'Kafka records (offsets) behind the log end, per topic partition, at the last fetch or committed batch; an NDJSON record holds many items', labelNames: ['topic', 'partition'] as const, registers: [registry] })

  return {
    registry,
    /** A batch starts loading: everything from its first offset on is not loaded yet (so a stuck load shows as lag). */
    recordFetch(b: { messages: InboundMessage[]; highWatermark?: string }) {
      const first = b.messages[0]
      if (!first || b.highWatermark === undefined) return
      lag.set({ topic: first.topic, partition: String(first.partition) }, Math.max(0, Number(BigInt(b.highWatermark) - BigInt(first.offset))))
    },
    /** A committed batch. The self-telemetry part of it is left out; a batch of only that counts nothing. */
    recordBatch(b: LoadedBatch) {
      const first = b.messages[0]
      if (!first) return
      if (b.highWatermark !== undefined) {
        lag.set({ topic: first.topic, partition: String(first.partition) }, Math.max(0, Number(BigInt(b.highWatermark) - BigInt(b.nextOffset))))
      }
      let ownRecords = 0
      let own = 0 // self-telemetry items (its records hold one item each today; counted per item all the same)
      for (const m of b.messages) {
        if (m.headers[SELF_TELEMETRY_HEADER] !== '1') continue
        ownRecords++
        own += itemCount(m)
      }
      if (ownRecords === b.messages.length) return
      // dead letters of self-telemetry are counted too (they are faults, not reports); rows exclude it
      const rows = Math.max(0, b.inserted - own)
      rowsLoaded.inc({ table: b.table }, rows)
      if (b.deadLettered > 0) deadLetters.inc({ table: b.table }, b.deadLettered)
      if (b.inserted > 0) {
        insertDuration.observe({ table: b.table }, b.insertSeconds)
        insertRows.observe({ table: b.table }, b.inserted)
      }
    },
  }
}

/** The writer, timing its inserts: how long ClickHouse took for one batch (split retries included). */
export function timedWriter(writer: RowWriter): { writer: RowWriter; seconds: () => number } {
  let total = 0
  return {
    writer: {
      async insert(table, rows) {
        const started = performance.now()
        try {
          await writer.insert(table, rows)
        } finally {
          total += (performance.now() - started) / 1000
        }
      },
    },
    seconds: () => total,
  }
}
