// Browser lifecycle: when the page is hidden or unloads, persist what has no outcome yet (offline queue)
// and send what is waiting with fetch(keepalive) inside the shared 64 KiB budget, then sendBeacon
// (text/plain, ?write_key=: no preflight) for the rest (Chromium counts beacons against the same budget:
// what fits in neither stays stored and is sent by the next page load). On load, events stored by earlier
// pages or closed tabs are restored. Resends are safe: the gateway derives its id from (app, event id), so
// a copy that did arrive collapses.
import type { Core } from './client.ts'
import type { KeyValueStorage } from './options.ts'
import { uuidv7 } from './uuid.ts'

type BrowserGlobals = {
  document?: { visibilityState?: string }
  addEventListener?: (type: string, fn: (e: { persisted?: boolean }) => void) => void
  removeEventListener?: (type: string, fn: (e: { persisted?: boolean }) => void) => void
  navigator?: { sendBeacon?: (url: string, data: Blob) => boolean; onLine?: boolean }
  localStorage?: KeyValueStorage
}

/** fetch keepalive bodies in flight share 64 KiB per page (Fetch spec); sendBeacon has a similar quota. */
export const KEEPALIVE_BUDGET = 64 * 1024

export function attachBrowser(core: Core): () => void {
  const g = globalThis as unknown as BrowserGlobals
  if (!g.document || typeof g.addEventListener !== 'function') return () => {}
  const storage = storageOf(core, g)
  const key = `${core.o.storageKey}:${uuidv7()}`
  if (storage) restoreStored(core, storage, core.o.storageKey)
  let dirty = false
  const persist = () => {
    dirty = false
    if (storage) persistOpen(core, storage, key)
  }
  core.onNetworkFailure = persist
  // keep the stored copy current (settled events leave it), at most once a second
  core.onSettled = () => {
    if (!storage || dirty) return
    dirty = true
    core.o.timers.set(() => dirty && persist(), 1000)
  }
  const onHide = (e: { persisted?: boolean }, unloading: boolean) => {
    persist()
    const beaconed = sendForUnload(core)
    // no storage and no room in either budget: these would be lost with the page, say so
    if (unloading && !e.persisted && !storage) for (const r of core.q.waiting.slice(beaconed)) core.drop(r, 'unload_budget')
  }
  const listeners: Array<[string, (e: { persisted?: boolean }) => void]> = []
  if (core.o.pageLifecycle !== false) {
    listeners.push(['pagehide', (e) => onHide(e, true)])
    listeners.push(['visibilitychange', (e) => g.document?.visibilityState === 'hidden' && onHide(e, false)])
  }
  listeners.push(['online', () => core.resetBackoff()])
  for (const [type, fn] of listeners) g.addEventListener(type, fn)
  if (storage) core.pump()
  return () => {
    for (const [type, fn] of listeners) g.removeEventListener?.(type, fn)
  }
}

function storageOf(core: Core, g: BrowserGlobals): KeyValueStorage | null {
  if (core.o.storage === false) return null
  try {
    return core.o.storage ?? g.localStorage ?? null
  } catch {
    return null // localStorage access throws in some privacy modes
  }
}

/** Waiting events: fetch(keepalive) batches within the budget, then sendBeacon; returns how many were beaconed. */
export function sendForUnload(core: Core): number {
  let budget = keepaliveSupported() ? KEEPALIVE_BUDGET - core.keepaliveBytes : 0
  while (core.q.waiting.length > 0 && budget > 1024) {
    const batch = core.q.take(core.o.maxBatchEvents, budget - 1024)
    if (batch.length === 0 || batch[0]!.bytes > budget - 1024) {
      core.q.requeueFront(batch)
      break
    }
    const bytes = core.body(batch).length
    budget -= bytes
    core.sendKeepalive(batch, bytes)
  }
  return beaconRest(core)
}

/** fetch(keepalive) exists (Chromium, Safari, Firefox ≥ 133); elsewhere sendBeacon carries the unload. */
function keepaliveSupported(): boolean {
  const R = (globalThis as unknown as { Request?: { prototype: object } }).Request
  return !!R && 'keepalive' in R.prototype
}

function beaconRest(core: Core): number {
  const beacon = (globalThis as unknown as BrowserGlobals).navigator?.sendBeacon
  if (typeof beacon !== 'function' || core.q.waiting.length === 0) return 0
  const url = `${core.o.endpoint}/v1/batch?write_key=${encodeURIComponent(core.o.writeKey)}`
  let from = 0
  while (from < core.q.waiting.length) {
    // the beaconed events stay queued: no answer comes back; if the page lives on they are sent
    // again and the gateway's (app, id) key collapses the copies
    let bytes = 512
    let to = from
    while (to < core.q.waiting.length && to - from < core.o.maxBatchEvents && bytes + core.q.waiting[to]!.bytes < KEEPALIVE_BUDGET) bytes += core.q.waiting[to++]!.bytes + 1
    if (to === from) break
    const ok = beacon.call((globalThis as unknown as BrowserGlobals).navigator, url, new Blob([core.body(core.q.waiting.slice(from, to))], { type: 'text/plain' }))
    if (!ok) break
    core.s.beacons++
    from = to
  }
  return from
}

// ---- offline queue: one localStorage entry per tab; a loading page claims the others' ---------------

type Stored = { v: 1; at: number; events: Array<[json: string, attempts: number]> }

function persistOpen(core: Core, storage: KeyValueStorage, key: string): void {
  const events: Stored['events'] = []
  let bytes = 0
  for (const r of core.q.open.values()) {
    if (events.length >= core.o.maxStoredEvents || bytes + r.json.length > core.o.maxStoredBytes) break
    events.push([r.json, r.attempts])
    bytes += r.json.length + 8
  }
  try {
    if (events.length === 0) storage.removeItem(key)
    else storage.setItem(key, JSON.stringify({ v: 1, at: core.o.now(), events } satisfies Stored))
  } catch {
    // quota exceeded or storage disabled: the events stay in memory
  }
}

function restoreStored(core: Core, storage: KeyValueStorage, prefix: string): void {
  try {
    const keys: string[] = []
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i)
      if (k && k.startsWith(`${prefix}:`)) keys.push(k)
    }
    for (const k of keys) {
      const text = storage.getItem(k)
      storage.removeItem(k) // claim first: another tab loading now finds it gone (and a race only resends)
      const stored = text ? (JSON.parse(text) as Stored) : null
      for (const [json, attempts] of stored?.events ?? []) core.restore(json, attempts)
    }
  } catch {
    // unreadable storage: nothing to restore
  }
}
