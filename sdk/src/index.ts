// The SDK's public API: createClient({ endpoint, writeKey, appId, category }) → track / flush / shutdown / stats.
// One source for browsers and Node: browser-only parts switch on when `document` exists.
import { Core, safely, type FlushResult, type Stats, type TrackOptions } from './client.ts'
import { attachBrowser } from './browser.ts'
import type { ClientOptions } from './options.ts'

export type { ClientOptions, DroppedEvent, DropReason, FetchLike, KeyValueStorage, RefusedEvent, TraceContext } from './options.ts'
export type { FlushResult, Stats, TrackOptions } from './client.ts'
export { uuidv7 } from './uuid.ts'
export { otelTraceContext, type OtelApi } from './traceContext.ts'

export type Client = {
  /** Queue one event; returns its id (a UUID v7 unless options.id is given), the same on every attempt. */
  track(name: string, properties?: Record<string, unknown>, options?: TrackOptions): string
  /** Send now; resolves when every event tracked so far has its outcome. Counts are outcomes since the call. */
  flush(): Promise<FlushResult>
  /** flush() within `timeoutMs` (default 5000), then drop what is left (reason shutdown_deadline) and stop. */
  shutdown(options?: { timeoutMs?: number }): Promise<FlushResult>
  stats(): Stats
}

export function createClient(options: ClientOptions): Client {
  const core = new Core(options)
  const detach = attachBrowser(core)
  const flush = async (): Promise<FlushResult> => {
    const before = core.stats()
    try {
      await core.whenSettled()
    } catch {
      // never thrown into the host; the counts still say what happened
    }
    const after = core.stats()
    return { accepted: after.accepted - before.accepted, refused: after.refused - before.refused, dropped: after.dropped - before.dropped, pending: after.queued }
  }
  return {
    track(name, properties, trackOptions) {
      try {
        return core.track(name, properties, trackOptions)
      } catch {
        return trackOptions?.id ?? ''
      }
    },
    flush,
    async shutdown(shutdownOptions) {
      const before = core.stats()
      const timeoutMs = shutdownOptions?.timeoutMs ?? 5000
      let timer: unknown
      const deadline = new Promise<void>((resolve) => (timer = core.o.timers.set(resolve, timeoutMs)))
      await Promise.race([core.whenSettled(), deadline])
      core.o.timers.clear(timer)
      core.stop('shutdown_deadline')
      safely(detach)
      const after = core.stats()
      return { accepted: after.accepted - before.accepted, refused: after.refused - before.refused, dropped: after.dropped - before.dropped, pending: after.queued }
    },
    stats: () => core.stats(),
  }
}
