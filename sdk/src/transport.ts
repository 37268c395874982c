// One POST /v1/batch: optional gzip, a timeout, and the answer read into an Answer (never throws).
import { parseRetryAfter, type Answer } from './answer.ts'
import type { FetchLike, Timers } from './options.ts'

export type PostOptions = {
  url: string
  writeKey: string
  body: string
  bodyBytes: number
  fetch: FetchLike
  timers: Timers
  timeoutMs: number
  compressMinBytes: number | false
  traceparent?: string
  keepalive?: boolean
  now: () => number
}

export type PostResult = { answer: Answer; sentBytes: number; gzip: boolean }

export async function postBatch(o: PostOptions): Promise<PostResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: `Bearer ${o.writeKey}` }
  if (o.traceparent) headers.traceparent = o.traceparent
  let body: string | Uint8Array = o.body
  let sentBytes = o.bodyBytes
  // keepalive requests are sent while the page unloads: no async compression step in between
  const gzip = !o.keepalive && o.compressMinBytes !== false && o.bodyBytes >= o.compressMinBytes && typeof CompressionStream === 'function'
  if (gzip) {
    try {
      body = await gzipText(o.body)
      sentBytes = body.byteLength
      headers['Content-Encoding'] = 'gzip'
    } catch {
      body = o.body
    }
  }
  const abort = new AbortController()
  const timer = o.timers.set(() => abort.abort(), o.timeoutMs)
  try {
    const res = await o.fetch(o.url, { method: 'POST', headers, body, signal: abort.signal, keepalive: o.keepalive })
    let json: unknown = null
    try {
      json = await res.json()
    } catch {
      json = null // a cut or non-JSON answer: the status still decides
    }
    return { answer: { kind: 'http', status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), o.now()), body: json }, sentBytes, gzip }
  } catch (err) {
    const error = abort.signal.aborted ? `no answer within ${o.timeoutMs} ms` : String((err as Error)?.message ?? err)
    return { answer: { kind: 'network', error }, sentBytes, gzip }
  } finally {
    o.timers.clear(timer)
  }
}

async function gzipText(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
