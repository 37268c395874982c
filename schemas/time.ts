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
