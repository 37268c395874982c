// The client: track() → queue → batches → POST /v1/batch → one outcome per event (accepted, refused or
// dropped), retrying only what the gateway's answer says can still succeed.
import { backoffDelay, decide, EVENT_TOO_LARGE, type Decision } from './answer.ts'
import { resolveOptions, SDK_VERSION, type ClientOptions, type DropReason, type Resolved } from './options.ts'
import { EventQueue, type EventRecord } from './queue.ts'
import { postBatch, type PostResult } from './transport.ts'
import { utf8Length, uuidv7 } from './uuid.ts'

export type TrackOptions = { timestamp?: number | Date; id?: string; ip?: string; traceId?: string; spanId?: string }
export type FlushResult = { accepted: number; refused: number; dropped: number; pending: number }
export type Stats = {
  tracked: number
  /** events restored from the offline queue of an earlier page load or another tab */
  restored: number
  accepted: number
  refused: number
  refusedByCode: Record<string, number>
  dropped: number
  droppedByReason: Partial<Record<DropReason, number>>
  /** events put back in the queue for another attempt */
  retried: number
  /** tracked or restored events without an outcome yet */
  queued: number
  requests: number
  bytesSent: number
  gzipRequests: number
  /** sendBeacon calls made while the page was hidden or unloading */
  beacons: number
}

const INVALID_EVENT = 1001
const DUPLICATE_ID = 1005

export class Core {
  readonly o: Resolved
  readonly q = new EventQueue()
  readonly s: Omit<Stats, 'queued'> = { tracked: 0, restored: 0, accepted: 0, refused: 0, refusedByCode: {}, dropped: 0, droppedByReason: {}, retried: 0, requests: 0, bytesSent: 0, gzipRequests: 0, beacons: 0 }
  /** bodies of fetch(keepalive) requests in flight (the browser allows 64 KiB in all) */
  keepaliveBytes = 0
  /** lowered when the gateway answers 413 to a batch of several events */
  private batchCap = Infinity
  private seq = 0
  private inFlight = 0
  private failures = 0
  private backoffUntil = 0
  private timer: unknown = null
  private timerAt = Infinity
  private waiters: Array<{ seq: number; resolve: () => void }> = []
  private readonly metaHead: string
  stopped = false
  /** a network failure happened (the browser layer persists the queue then) */
  onNetworkFailure: () => void = () => {}
  onSettled: () => void = () => {}

  constructor(options: ClientOptions) {
    this.o = resolveOptions(options)
    const meta: Record<string, unknown> = { app_id: this.o.appId, category: this.o.category, sdk: { name: this.o.sdkName, version: SDK_VERSION } }
    if (this.o.deviceId) meta.device_id = this.o.deviceId
    if (this.o.context) meta.context = this.o.context
    this.metaHead = JSON.stringify(meta).slice(0, -1)
  }

  track(name: string, properties?: Record<string, unknown>, opts?: TrackOptions): string {
    const now = this.o.now()
    const id = opts?.id ?? uuidv7(now)
    this.s.tracked++
    const rec: EventRecord = { id, name: String(name), json: '', bytes: 0, attempts: 0, seq: ++this.seq, dueAt: now + this.o.flushIntervalMs, state: 'queued' }
    if (this.q.open.has(id)) {
      this.report(rec, DUPLICATE_ID, `an unsettled event already has the id "${id}"`)
      return id
    }
    this.q.add(rec)
    try {
      rec.json = JSON.stringify(this.eventBody(id, rec.name, now, properties, opts))
    } catch (err) {
      this.refuse(rec, INVALID_EVENT, `the event cannot be serialized to JSON: ${(err as Error).message}`)
      return id
    }
    this.admit(rec)
    return id
  }

  /** Queue an item of a typed category (a metric point, span or log record) as it is: `item.id` is its id. */
  trackItem(item: { id: string; name: string }): string {
    this.s.tracked++
    const rec: EventRecord = { id: item.id, name: item.name, json: '', bytes: 0, attempts: 0, seq: ++this.seq, dueAt: this.o.now() + this.o.flushIntervalMs, state: 'queued' }
    this.q.add(rec)
    rec.json = JSON.stringify(item)
    this.admit(rec)
    return item.id
  }

  /** Size check, queue caps, then the queue. */
  private admit(rec: EventRecord): void {
    rec.bytes = utf8Length(rec.json)
    if (rec.bytes > this.o.maxEventBytes) {
      this.refuse(rec, EVENT_TOO_LARGE, `event is ${rec.bytes} bytes, limit ${this.o.maxEventBytes} (LIMIT_EVENT_BYTES)`)
    } else if (this.stopped) {
      this.drop(rec, 'shutdown_deadline')
    } else if (this.q.waiting.length >= this.o.maxQueueEvents || this.q.waitingBytes + rec.bytes > this.o.maxQueueBytes) {
      this.drop(rec, 'queue_full')
    } else {
      this.q.enqueue(rec)
      this.pump()
    }
  }

  private eventBody(id: string, name: string, now: number, properties: Record<string, unknown> | undefined, opts: TrackOptions | undefined) {
    const ts = opts?.timestamp
    const event: Record<string, unknown> = { id, name, timestamp: ts instanceof Date ? ts.getTime() : (ts ?? now) }
    if (opts?.ip) event.ip = opts.ip
    if (properties !== undefined) event.properties = properties
    const trace = opts?.traceId ? { traceId: opts.traceId, spanId: opts.spanId } : this.o.traceContext?.()
    if (trace?.traceId) event.trace_id = trace.traceId
    if (trace?.spanId) event.span_id = trace.spanId
    return event
  }

  /** Restore events stored by an earlier page (offline queue): same ids, so resends collapse server-side. */
  restore(json: string, attempts: number): void {
    let parsed: { id?: unknown; name?: unknown }
    try {
      parsed = JSON.parse(json)
    } catch {
      return
    }
    if (typeof parsed.id !== 'string' || this.q.open.has(parsed.id)) return
    const rec: EventRecord = { id: parsed.id, name: String(parsed.name), json, bytes: utf8Length(json), attempts, seq: ++this.seq, dueAt: 0, state: 'queued' }
    this.s.restored++
    this.q.add(rec)
    this.q.enqueue(rec)
  }

  // ---- sending ----------------------------------------------------------------------------------------

  /** Start requests while there is room, backoff allows, and something is due (count, bytes, age, flush). */
  pump(): void {
    if (this.stopped) return
    while (this.inFlight < this.o.maxConcurrentRequests && this.q.waiting.length > 0) {
      const now = this.o.now()
      if (now < this.backoffUntil) return this.arm(this.backoffUntil)
      const dueAt = this.waiters.length > 0 || this.q.waiting.length >= this.o.flushAt || this.q.waitingBytes >= this.o.flushBytes ? 0 : this.q.waiting[0]!.dueAt
      if (now < dueAt) return this.arm(dueAt)
      this.send(this.q.take(Math.min(this.batchCap, this.o.maxBatchEvents), this.o.maxBatchBytes - this.metaHead.length - 64))
    }
  }

  private arm(at: number): void {
    if (this.timer !== null && this.timerAt <= at) return
    if (this.timer !== null) this.o.timers.clear(this.timer)
    this.timerAt = at
    this.timer = this.o.timers.set(() => {
      this.timer = null
      this.timerAt = Infinity
      this.pump()
    }, Math.max(0, at - this.o.now()))
    // a Node process is not kept alive by the SDK alone, unless someone awaits flush()/shutdown()
    if (this.waiters.length === 0) (this.timer as { unref?: () => void } | null)?.unref?.()
  }

  /** Serialize once per attempt: meta.sent_at is this attempt's clock. */
  body(batch: EventRecord[]): string {
    let data = ''
    for (let i = 0; i < batch.length; i++) data += (i ? ',' : '') + batch[i]!.json
    return `{"meta":${this.metaHead},"sent_at":${this.o.now()}},"data":[${data}]}`
  }

  send(batch: EventRecord[], keepalive = false): Promise<PostResult> {
    this.inFlight++
    for (const r of batch) r.attempts++
    const body = this.body(batch)
    const bodyBytes = utf8Length(body)
    this.s.requests++
    const sending = postBatch({
      url: `${this.o.endpoint}/v1/batch`, writeKey: this.o.writeKey, body, bodyBytes, fetch: this.o.fetch, timers: this.o.timers,
      timeoutMs: this.o.requestTimeoutMs, compressMinBytes: this.o.compressMinBytes, traceparent: this.o.traceContext?.()?.traceparent, keepalive, now: this.o.now,
    })
    void sending.then((result) => {
      this.inFlight--
      this.s.bytesSent += result.sentBytes
      if (result.gzip) this.s.gzipRequests++
      this.apply(batch, decide(batch.map((r) => r.id), result.answer))
      this.pump()
    })
    return sending
  }

  sendKeepalive(batch: EventRecord[], bytes: number): void {
    this.keepaliveBytes += bytes
    void this.send(batch, true).then(() => {
      this.keepaliveBytes -= bytes
    })
  }

  private apply(batch: EventRecord[], d: Decision): void {
    if (d.kind === 'split') {
      // the gateway's limit is below ours: halve the batch size from now on (a single event answered 413 is refused)
      this.batchCap = Math.min(this.batchCap, Math.max(1, Math.ceil(batch.length / 2)))
      for (const r of batch) r.attempts-- // too large a request is not the events' failure
      this.requeue(batch, false)
      return
    }
    if (d.kind === 'refuse-all') {
      this.failures = 0
      for (const r of batch) this.refuse(r, d.code, d.message)
      return
    }
    const again: EventRecord[] = []
    if (d.kind === 'retry-all') {
      again.push(...batch)
      this.onNetworkFailure()
    } else {
      d.parts.forEach((p, i) => {
        const r = batch[i]!
        if (p.code === 0) this.accept(r)
        else if (p.retryable) again.push(r)
        else this.refuse(r, p.code, p.message)
      })
    }
    if (d.backoff) {
      this.failures++
      const delay = backoffDelay(this.failures - 1, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random, d.retryAfterMs)
      this.backoffUntil = Math.max(this.backoffUntil, this.o.now() + delay)
    } else this.failures = 0
    this.requeue(again)
  }

  private requeue(rs: EventRecord[], isRetry = true): void {
    const kept: EventRecord[] = []
    for (const r of rs) {
      if (r.state !== 'sending') continue // settled meanwhile (shutdown deadline)
      if (r.attempts >= this.o.maxAttempts) this.drop(r, 'attempts_exhausted')
      else kept.push(r)
    }
    if (isRetry) this.s.retried += kept.length
    this.q.requeueFront(kept)
  }

  /** The network is back (browser "online"): forget the backoff. */
  resetBackoff(): void {
    this.failures = 0
    this.backoffUntil = 0
    this.pump()
  }

  // ---- outcomes ---------------------------------------------------------------------------------------

  private accept(r: EventRecord): void {
    if (!this.q.close(r)) return
    this.s.accepted++
    this.settled()
  }

  refuse(r: EventRecord, code: number, message: string): void {
    if (!this.q.close(r)) return
    this.report(r, code, message)
    this.settled()
  }

  private report(r: EventRecord, code: number, message: string): void {
    this.s.refused++
    this.s.refusedByCode[code] = (this.s.refusedByCode[code] ?? 0) + 1
    safely(() => this.o.onRefused?.({ id: r.id, name: r.name, code, message }))
  }

  drop(r: EventRecord, reason: DropReason): void {
    if (!this.q.close(r)) return
    this.s.dropped++
    this.s.droppedByReason[reason] = (this.s.droppedByReason[reason] ?? 0) + 1
    safely(() => this.o.onDropped?.({ id: r.id, name: r.name, reason }))
    this.settled()
  }

  private settled(): void {
    if (this.waiters.length > 0) {
      const oldest = this.q.oldestOpenSeq()
      const done = this.waiters.filter((w) => w.seq < oldest)
      if (done.length > 0) {
        this.waiters = this.waiters.filter((w) => w.seq >= oldest)
        for (const w of done) w.resolve()
      }
    }
    this.onSettled()
  }

  // ---- flush / shutdown -------------------------------------------------------------------------------

  /** Resolves when every event tracked before the call has its outcome. */
  whenSettled(): Promise<void> {
    const seq = this.seq
    if (this.q.oldestOpenSeq() > seq) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve })
      this.pump()
    })
  }

  /** Stop: every event still without an outcome is dropped with `reason`; later answers are ignored. */
  stop(reason: DropReason): void {
    this.stopped = true
    if (this.timer !== null) this.o.timers.clear(this.timer)
    this.timer = null
    for (const r of this.q.takeAllOpen()) this.drop(r, reason)
  }

  stats(): Stats {
    return { ...this.s, refusedByCode: { ...this.s.refusedByCode }, droppedByReason: { ...this.s.droppedByReason }, queued: this.q.open.size }
  }
}

/** The host's callbacks must never break the client (and the client never throws into the host). */
export function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // ignored on purpose: a throwing onRefused/onDropped must not lose other events' outcomes
  }
}
