// What one answer of POST /v1/batch means for each event of the request (pure: no I/O, no clock).
// The gateway's protocol (README "API"): one part per event, in request order, with `retryable`;
// a whole-request 503/429 carries Retry-After; 400/401/403/415 are final; 413 means "too large".

export type Answer =
  | { kind: 'network'; error: string }
  | { kind: 'http'; status: number; retryAfterMs: number | null; body: unknown }

export type PartOutcome = { code: number; message: string; retryable: boolean }

export type Decision =
  /** per event: code 0 accepted, retryable → send again alone, else refused */
  | { kind: 'parts'; parts: PartOutcome[]; backoff: boolean; retryAfterMs: number | null }
  | { kind: 'retry-all'; backoff: true; retryAfterMs: number | null; reason: string }
  | { kind: 'refuse-all'; code: number; message: string }
  | { kind: 'split' }

/** The gateway's EVENT_TOO_LARGE part code (schemas/codes.ts), also used for events refused locally. */
export const EVENT_TOO_LARGE = 1002

const retryStatuses = new Set([408, 425, 429])

export function decide(ids: readonly string[], answer: Answer): Decision {
  if (answer.kind === 'network') return { kind: 'retry-all', backoff: true, retryAfterMs: null, reason: answer.error }
  const { status, retryAfterMs, body } = answer
  const parts = readParts(ids, body)
  if (status === 503 && parts) return { kind: 'parts', parts, backoff: true, retryAfterMs }
  if (retryStatuses.has(status) || status >= 500) {
    return { kind: 'retry-all', backoff: true, retryAfterMs, reason: `HTTP ${status}${messageOf(body) ? `: ${messageOf(body)}` : ''}` }
  }
  if (status === 413) {
    if (ids.length > 1) return { kind: 'split' }
    return { kind: 'refuse-all', code: EVENT_TOO_LARGE, message: messageOf(body) || 'HTTP 413: request too large' }
  }
  if ((status === 200 || status === 206 || status === 400) && parts) {
    return { kind: 'parts', parts, backoff: parts.some((p) => p.retryable), retryAfterMs }
  }
  if (status >= 200 && status < 300) {
    // not the gateway's answer (a proxy page?): nothing says the events were taken; send again
    return { kind: 'retry-all', backoff: true, retryAfterMs, reason: `HTTP ${status} without one part per event` }
  }
  return { kind: 'refuse-all', code: status, message: messageOf(body) || `HTTP ${status}` }
}

function readParts(ids: readonly string[], body: unknown): PartOutcome[] | null {
  const parts = (body as { parts?: unknown } | null)?.parts
  if (!Array.isArray(parts) || parts.length !== ids.length) return null
  const out: PartOutcome[] = []
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as { id?: unknown; code?: unknown; message?: unknown; retryable?: unknown } | null
    if (!p || p.id !== ids[i] || typeof p.code !== 'number') return null
    out.push({ code: p.code, message: typeof p.message === 'string' ? p.message : '', retryable: p.retryable === true })
  }
  return out
}

function messageOf(body: unknown): string {
  const m = (body as { message?: unknown } | null)?.message
  return typeof m === 'string' ? m : ''
}

/** Retry-After: delay-seconds or an HTTP date, as ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/** Exponential backoff with full jitter (uniform in [0, min(max, base·2^n))), never less than Retry-After. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number, retryAfterMs: number | null): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30))
  return Math.max(retryAfterMs ?? 0, Math.floor(random() * ceiling))
}
