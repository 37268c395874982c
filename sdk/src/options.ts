// The client's options, their defaults, and the outcome types it reports.

/** What the SDK calls for a request; `globalThis.fetch` unless given (tests pass a fake). */
export type FetchLike = (url: string, init: {
  method: string
  headers: Record<string, string>
  body: string | Uint8Array
  signal?: AbortSignal
  keepalive?: boolean
}) => Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>

export type Timers = {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

/** A localStorage-like store (the browser's own by default) for the offline queue. */
export type KeyValueStorage = {
  readonly length: number
  key(index: number): string | null
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export type RefusedEvent = { id: string; name: string; code: number; message: string }
export type DropReason = 'queue_full' | 'attempts_exhausted' | 'unload_budget' | 'shutdown_deadline' | 'storage_full'
export type DroppedEvent = { id: string; name: string; reason: DropReason }
export type TraceContext = { traceId: string; spanId: string; traceparent?: string }

export type ClientOptions = {
  /** Gateway base URL, e.g. "https://ingest.example.com" (POST {endpoint}/v1/batch). */
  endpoint: string
  writeKey: string
  appId: string
  category: string
  deviceId?: string
  context?: Record<string, unknown>
  /** Send when this many events are queued (and at most this many per request: LIMIT_EVENTS_PER_BATCH). */
  maxBatchEvents?: number
  /** Uncompressed request body cap (LIMIT_BODY_BYTES; decompressed LIMIT_DECOMPRESSED_BYTES is larger). */
  maxBatchBytes?: number
  /** Largest single event, as the gateway measures it (LIMIT_EVENT_BYTES): larger ones are refused locally (code 1002). */
  maxEventBytes?: number
  flushAt?: number
  flushIntervalMs?: number
  flushBytes?: number
  maxQueueEvents?: number
  maxQueueBytes?: number
  maxAttempts?: number
  maxConcurrentRequests?: number
  requestTimeoutMs?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** gzip bodies at least this large when CompressionStream exists; false: never. */
  compressMinBytes?: number | false
  /** Offline queue (browser): localStorage by default in browsers; false: none. */
  storage?: KeyValueStorage | false
  storageKey?: string
  maxStoredEvents?: number
  maxStoredBytes?: number
  /** Browser: flush on pagehide / visibilitychange→hidden with fetch keepalive and sendBeacon (default true). */
  pageLifecycle?: boolean
  onRefused?: (e: RefusedEvent) => void
  onDropped?: (e: DroppedEvent) => void
  /** The active trace (e.g. otelTraceContext from sdk/src/node.ts): fills trace_id/span_id and sends traceparent. */
  traceContext?: () => TraceContext | undefined
  fetch?: FetchLike
  timers?: Timers
  random?: () => number
  now?: () => number
  sdkName?: string
}

export const defaults = {
  maxBatchEvents: 500,
  maxBatchBytes: 512 * 1024,
  maxEventBytes: 32 * 1024,
  flushAt: 100,
  flushIntervalMs: 2000,
  flushBytes: 256 * 1024,
  maxQueueEvents: 10_000,
  maxQueueBytes: 8 * 1024 * 1024,
  maxAttempts: 10,
  maxConcurrentRequests: 2,
  requestTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  compressMinBytes: 1024 as number | false,
  storageKey: 'tlm_queue',
  maxStoredEvents: 1000,
  maxStoredBytes: 1024 * 1024,
  sdkName: 'telemetry-sdk',
}

export type Resolved = Omit<ClientOptions, keyof typeof defaults> & typeof defaults & { fetch: FetchLike; timers: Timers; random: () => number; now: () => number }

export function resolveOptions(o: ClientOptions): Resolved {
  for (const k of ['endpoint', 'writeKey', 'appId', 'category'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') throw new TypeError(`createClient: option ${k} is required (a non-empty string)`)
  }
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  const fetchFn = o.fetch ?? (globalThis.fetch?.bind(globalThis) as unknown as FetchLike)
  if (!fetchFn) throw new TypeError('createClient: no fetch in this runtime: pass options.fetch')
  return {
    ...defaults,
    ...defined,
    endpoint: o.endpoint.replace(/\/+$/, ''),
    maxBatchEvents: Math.max(1, o.maxBatchEvents ?? defaults.maxBatchEvents),
    fetch: fetchFn,
    timers: o.timers ?? { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
  } as Resolved
}

export const SDK_VERSION = '0.1.0'
