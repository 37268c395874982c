// The loader's order of work for one fetched batch, in one place:
//   fetch (kafkaSource) → split records into items (recordItems.ts) → map rows → insert → dead-letter the
//   unloadable items, each alone → commit offsets (per record, after all of the batch's items)
// and its policy around it (createBatchLoader): the topic names the table and row mapper (steps/mapRows.ts),
// the load is timed, self-traced (traceLoad.ts) and logged.
// Offsets are committed only here, after ClickHouse accepted the rows and the dead-letter topic
// acknowledged the rest. A crash before the commit replays the batch; the ReplacingMergeTree table
// collapses the replayed rows (same backend_id, same sorting key), so query results count each once.
import { errorMessage, type Logger } from '../../common/logger.ts'
import { nowNs, type SelfTracer } from '../../common/selfTrace.ts'
import type { BatchHandler } from './kafkaSource.ts'
import { routeForTopic } from './steps/mapRows.ts'
import { recordLoadSpans } from './traceLoad.ts'
import type { DeadLetter, DeadLetterSink } from './deadLetter.ts'
import type { InboundMessage } from './inboundMessage.ts'
import type { FaultHook } from './faultInjection.ts'
import { isNdjson, recordItems } from './recordItems.ts'
import { InsertError, type RowWriter } from './steps/insertRows.ts'
import { timedWriter, type ConsumerMetrics } from './metrics.ts'

export type LoaderDeps = {
  writer: RowWriter
  deadLetters: DeadLetterSink
  /** the batch's table; a batch holds one topic-partition, hence one type */
  table: string
  /** the table's pure row mapper (steps/mapRows.ts) */
  mapRow: (value: Buffer | null) => { ok: true; row: object } | { ok: false; reason: string }
  log: Logger
  retryMaxMs: number
  /** false once the batch must be given up (shutdown or partition revoked): nothing is committed then */
  stillOwned: () => boolean
  heartbeat: () => Promise<void>
  /** commit `nextOffset` (last loaded offset + 1) for the batch's partition */
  commit: (nextOffset: string) => Promise<void>
  /** test-only crash points (FAULT_INJECT); absent in unit tests and production */
  fault?: FaultHook
}

export type BatchResult =
  | { status: 'committed'; inserted: number; deadLettered: number; nextOffset: string }
  | { status: 'abandoned' }

export type BatchLoaderDeps = Pick<LoaderDeps, 'writer' | 'deadLetters' | 'log' | 'retryMaxMs' | 'fault'> & {
  /** TOPIC_TEMPLATE: a topic's {category} names its type, hence its table and row mapper */
  topicTemplate: string
  selfTracer: SelfTracer
  /** the consumer's own metrics (rows loaded, dead letters, inserts, lag); absent in unit tests */
  metrics?: ConsumerMetrics
}

/** The handler kafkaSource.ts calls with each fetched partition batch: route, load, self-trace, log. */
export function createBatchLoader(deps: BatchLoaderDeps): BatchHandler {
  // per partition: when its previous batch finished, to log how long the next one waited for its fetch
  const lastLoadEnd = new Map<string, number>()
  return async (batch) => {
    const first = batch.messages[0]!
    deps.metrics?.recordFetch(batch)
    // one topic per batch: its category picks the table and row mapper (schemas/telemetryTypes.ts)
    const route = routeForTopic(deps.topicTemplate, first.topic)
    const startNs = nowNs()
    const partitionKey = `${first.topic}/${first.partition}`
    const waitedMs = lastLoadEnd.has(partitionKey) ? Number(startNs / 1_000_000n) - lastLoadEnd.get(partitionKey)! : null
    const timed = timedWriter(deps.writer)
    const result = await loadBatch(batch.messages, { ...deps, writer: timed.writer, table: route.table, mapRow: route.mapRow, stillOwned: batch.stillOwned, heartbeat: batch.heartbeat, commit: batch.commit })
    const endNs = nowNs()
    lastLoadEnd.set(partitionKey, Number(endNs / 1_000_000n))
    if (result.status !== 'committed') return result.status
    recordLoadSpans(deps.selfTracer, batch.messages, { table: route.table, startNs, endNs, inserted: result.inserted, deadLettered: result.deadLettered })
    deps.metrics?.recordBatch({ table: route.table, messages: batch.messages, ...result, insertSeconds: timed.seconds(), highWatermark: batch.highWatermark })
    deps.log.debug('batch loaded', {
      topic: first.topic,
      partition: first.partition,
      records: batch.messages.length,
      inserted: result.inserted,
      dead_lettered: result.deadLettered,
      next_offset: result.nextOffset,
      load_ms: Number((endNs - startNs) / 1_000_000n),
      waited_for_fetch_ms: waitedMs,
    })
    return result.status
  }
}

/** `item`: which item of an NDJSON record the row is (absent for a one-item record), for its dead letter */
type Mapped = { message: InboundMessage; item: DeadLetter['item']; row: object }

export async function loadBatch(messages: InboundMessage[], deps: LoaderDeps): Promise<BatchResult> {
  if (messages.length === 0) return { status: 'abandoned' }
  const { rows, dead } = mapItems(messages, deps.mapRow)

  deps.fault?.('before-insert')
  const refused = await insertIsolatingBadRows(rows, deps)
  if (refused === 'abandoned') return { status: 'abandoned' }
  dead.push(...refused)
  deps.fault?.('after-insert')

  if (dead.length > 0) {
    const sent = await retrying('dead-letter', () => deps.deadLetters.send(dead), deps)
    if (sent === 'abandoned') return { status: 'abandoned' }
    deps.log.warn('dead-lettered items', {
      count: dead.length,
      topic: messages[0]!.topic,
      partition: messages[0]!.partition,
      first_reason: dead[0]!.reason.slice(0, 300),
    })
  }

  const nextOffset = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString()
  // Everything is loaded: commit even if a shutdown began meanwhile (one try), so a clean stop does not
  // replay the batch. If the partition moved to another member the commit is refused; nothing is lost.
  const committed = await retrying('commit', () => deps.commit(nextOffset), deps, { firstTryEvenIfStopping: true })
  if (committed === 'abandoned') return { status: 'abandoned' }
  return { status: 'committed', inserted: rows.length - refused.length, deadLettered: dead.length, nextOffset }
}

/** The map step over every item of every record (recordItems.ts): the rows, and the unmappable items as dead letters. */
function mapItems(messages: InboundMessage[], mapRow: LoaderDeps['mapRow']): { rows: Mapped[]; dead: DeadLetter[] } {
  const rows: Mapped[] = []
  const dead: DeadLetter[] = []
  for (const message of messages) {
    const values = recordItems(message)
    // a one-item record is dead-lettered as the record it is; an NDJSON record's item as its line and index
    const ndjson = isNdjson(message)
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!
      const item = ndjson ? { index, value } : undefined
      const mapped = mapRow(value)
      if (mapped.ok) rows.push({ message, item, row: mapped.row })
      else dead.push({ message, item, stage: 'map', reason: mapped.reason })
    }
  }
  return { rows, dead }
}

/**
 * Insert all rows; when ClickHouse refuses the content, split the rows in halves until the refused rows
 * are isolated, and return those as dead letters with ClickHouse's error. Server trouble (down, overloaded)
 * is retried with backoff instead, for as long as the batch is still ours.
 */
async function insertIsolatingBadRows(rows: Mapped[], deps: LoaderDeps): Promise<DeadLetter[] | 'abandoned'> {
  if (rows.length === 0) return []
  let refusal: InsertError | null = null
  const outcome = await retrying(
    'insert',
    async () => {
      try {
        await deps.writer.insert(
          deps.table,
          rows.map((r) => r.row),
        )
      } catch (err) {
        if (err instanceof InsertError && err.badRows) {
          refusal = err
          return
        }
        throw err
      }
    },
    deps,
  )
  if (outcome === 'abandoned') return outcome
  if (refusal === null) return []
  if (rows.length === 1) return [{ message: rows[0]!.message, item: rows[0]!.item, stage: 'insert', reason: `ClickHouse refused the row: ${(refusal as InsertError).message}` }]
  const mid = Math.ceil(rows.length / 2)
  const left = await insertIsolatingBadRows(rows.slice(0, mid), deps)
  if (left === 'abandoned') return left
  const right = await insertIsolatingBadRows(rows.slice(mid), deps)
  if (right === 'abandoned') return right
  return [...left, ...right]
}

async function retrying(what: string, attempt: () => Promise<void>, deps: LoaderDeps, opts: { firstTryEvenIfStopping?: boolean } = {}): Promise<'done' | 'abandoned'> {
  let delay = 200
  for (let tries = 1; ; tries++) {
    if (!deps.stillOwned() && !(tries === 1 && opts.firstTryEvenIfStopping)) return 'abandoned'
    try {
      await attempt()
      if (tries > 1) deps.log.info(`${what} succeeded after retries`, { tries })
      return 'done'
    } catch (err) {
      deps.log.warn(`${what} failed; retrying`, { tries, retry_in_ms: delay, error: errorMessage(err).slice(0, 500) })
      if ((await pauseWithHeartbeats(delay, deps)) === 'abandoned') return 'abandoned'
      delay = Math.min(delay * 2, deps.retryMaxMs)
    }
  }
}

async function pauseWithHeartbeats(ms: number, deps: LoaderDeps): Promise<'done' | 'abandoned'> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (!deps.stillOwned()) return 'abandoned'
    await new Promise((r) => setTimeout(r, Math.min(1_000, until - Date.now())))
    // keeps the group membership while ClickHouse is down; failures here surface on the next fetch
    await deps.heartbeat().catch(() => {})
  }
  return 'done'
}
