// Times on the wire are epoch milliseconds or RFC 3339 strings; inside the pipeline they are epoch ms.
import { z } from 'zod'

/** 2000-01-01T00:00:00Z .. 2100-01-01T00:00:00Z: inside ClickHouse DateTime's range on every version. */
export const MIN_TIME_MS = 946_684_800_000
export const MAX_TIME_MS = 4_102_444_800_000

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

const rangeMessage = `must be between 2000-01-01 and 2100-01-01 (epoch ms ${MIN_TIME_MS}..${MAX_TIME_MS})`

export const epochMsOrRfc3339 = z.union(
  [
    z.number().int('must be whole epoch milliseconds').min(MIN_TIME_MS, rangeMessage).max(MAX_TIME_MS, rangeMessage),
    z
      .string()
      .regex(RFC3339, 'must be epoch milliseconds or an RFC 3339 date-time such as 2026-11-25T13:51:24.123Z')
      .transform((s, ctx) => {
        const ms = Date.parse(s.replace(' ', 'T'))
        if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
          ctx.addIssue({ code: 'custom', message: rangeMessage })
          return z.NEVER
        }
        return ms
      }),
  ],
  { error: 'must be epoch milliseconds (number) or an RFC 3339 date-time string' },
)

// ---- nanosecond times (spans, metric points, log records) -----------------------------------------------
// OTLP times are uint64 nanoseconds, more than a JS number holds exactly, so the pipeline carries them as
// decimal strings (ClickHouse parses a quoted UInt64 in JSONEachRow, 18.16 included).
export const MIN_TIME_NS = BigInt(MIN_TIME_MS) * 1_000_000n
export const MAX_TIME_NS = BigInt(MAX_TIME_MS) * 1_000_000n
const nsRangeMessage = `must be between 2000-01-01 and 2100-01-01 in epoch nanoseconds (${MIN_TIME_NS}..${MAX_TIME_NS})`

/** Epoch nanoseconds as a decimal string (exact) or a whole number (exact only below 2^53); out: decimal string. */
export const unixNano = z
  .union([z.string().regex(/^\d{1,20}$/, 'must be epoch nanoseconds as a decimal string'), z.number().int('must be whole epoch nanoseconds').nonnegative()], {
    error: 'must be epoch nanoseconds (decimal string or whole number)',
  })
  .transform((v, ctx) => {
    const ns = typeof v === 'string' ? BigInt(v) : BigInt(v)
    if (ns < MIN_TIME_NS || ns > MAX_TIME_NS) {
      ctx.addIssue({ code: 'custom', message: nsRangeMessage })
      return z.NEVER
    }
    return ns.toString()
  })

/** Epoch ms of a decimal nanosecond string. */
export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n)
}
