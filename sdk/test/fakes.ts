// Test doubles for the SDK: a virtual clock (timers fire in time order, instantly) and a fake gateway
// behind the SDK's fetch option that answers each request with a scripted reply.
import { gunzipSync } from 'node:zlib'
import type { FetchLike, Timers } from '../src/options.ts'

export class VirtualClock implements Timers {
  now = 1_764_000_000_000
  private timers: Array<{ at: number; fn: () => void; id: number }> = []
  private nextId = 1
  readonly requested: number[] = []

  set = (fn: () => void, ms: number): unknown => {
    this.requested.push(ms)
    const t = { at: this.now + Math.max(0, ms), fn, id: this.nextId++ }
    this.timers.push(t)
    return t.id
  }

  clear = (id: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== id)
  }

  /** Fire the earliest timer (advancing the clock); false when none is set. */
  fireNext(): boolean {
    if (this.timers.length === 0) return false
    let first = this.timers[0]!
    for (const t of this.timers) if (t.at < first.at || (t.at === first.at && t.id < first.id)) first = t
    this.timers = this.timers.filter((t) => t !== first)
    this.now = Math.max(this.now, first.at)
    first.fn()
    return true
  }

  /** Let pending I/O finish, firing timers only when nothing else is going on, until `p` settles. */
  async run<T>(p: Promise<T>, maxSteps = 200_000): Promise<T> {
    let done = false
    void p.then(() => (done = true), () => (done = true))
    let quiet = 0 // rounds with no timer to fire: the client is waiting for nothing
    for (let i = 0; i < maxSteps && !done && quiet < 50; i++) {
      await idle()
      if (!done) {
        await idle()
        if (!done && !this.fireNext()) {
          quiet++
          await new Promise((r) => setTimeout(r, 1))
        } else quiet = 0
      }
    }
    if (!done) throw new Error(`virtual clock: promise did not settle (${quiet >= 50 ? 'no timer left' : 'too many steps'})`)
    return p
  }
}

const idle = () => new Promise<void>((r) => setImmediate(r))

export type SentRequest = {
  at: number
  headers: Record<string, string>
  meta: Record<string, unknown>
  events: Array<{ id: string; name: string; timestamp: number; [k: string]: unknown }>
  rawBytes: number
  keepalive?: boolean
  /** ids this request's delivered answer acknowledged (code 0) */
  acked: string[]
  /** virtual time the answer was handed to the client (I/O can let timers run meanwhile) */
  answeredAt?: number
}

/** What the fake gateway does with one request. */
export type Reply =
  | { status: number; parts?: Array<{ code: number; retryable?: boolean }> | 'all-ok' | 'all-kafka-down'; retryAfter?: string; message?: string }
  | { network: true } // connection refused: the gateway never saw it
  | { lost: true } // the gateway accepted everything, the answer never came back
  | { hang: true } // no answer until the client's timeout aborts

export function fakeGateway(clock: VirtualClock, script: (req: SentRequest, n: number) => Reply) {
  const requests: SentRequest[] = []
  /** ids the gateway acknowledged (whether or not the answer arrived), with how often */
  const stored = new Map<string, number>()
  const fetch: FetchLike = async (_url, init) => {
    const raw = typeof init.body === 'string' ? Buffer.from(init.body) : Buffer.from(init.body)
    const text = init.headers['Content-Encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString()
    const parsed = JSON.parse(text)
    const req: SentRequest = { at: clock.now, headers: init.headers, meta: parsed.meta, events: parsed.data, rawBytes: raw.length, keepalive: init.keepalive, acked: [] }
    requests.push(req)
    const reply = script(req, requests.length - 1)
    await idle()
    if ('network' in reply) throw new TypeError('fetch failed: connect ECONNREFUSED')
    if ('hang' in reply) {
      return new Promise((_resolve, reject) => {
        if (init.signal?.aborted) reject(new Error('aborted'))
        init.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    }
    if ('lost' in reply) {
      for (const e of req.events) stored.set(e.id, (stored.get(e.id) ?? 0) + 1)
      throw new TypeError('fetch failed: socket hang up')
    }
    const parts = partsOf(req, reply)
    for (let i = 0; i < parts.length; i++) {
      if (parts[i]!.code !== 0) continue
      stored.set(req.events[i]!.id, (stored.get(req.events[i]!.id) ?? 0) + 1)
      req.acked.push(req.events[i]!.id)
    }
    const body = { code: 0, message: reply.message ?? `HTTP ${reply.status}`, retryable: false, parts }
    req.answeredAt = clock.now
    const headers = new Map<string, string>(reply.retryAfter !== undefined ? [['retry-after', reply.retryAfter]] : [])
    return { status: reply.status, headers: { get: (n: string) => headers.get(n.toLowerCase()) ?? null }, json: async () => body }
  }
  return { fetch, requests, stored }
}

function partsOf(req: SentRequest, reply: { status: number; parts?: Array<{ code: number; retryable?: boolean }> | 'all-ok' | 'all-kafka-down' }) {
  const list = reply.parts === 'all-ok'
    ? req.events.map(() => ({ code: 0, retryable: false }))
    : reply.parts === 'all-kafka-down'
      ? req.events.map(() => ({ code: 2001, retryable: true }))
      : (reply.parts ?? [])
  return list.map((p, i) => ({ id: req.events[i]!.id, backend_id: '', code: p.code, message: p.code === 0 ? 'accepted' : `code ${p.code}`, retryable: p.retryable ?? false }))
}
