// Time-ordered UUIDs (RFC 9562 version 7): 48-bit Unix ms timestamp, then random bits. Sorting by
// backend_id sorts by server receive time, which keeps ClickHouse parts and Kafka keys well clustered.
import { randomFillSync } from 'node:crypto'

const POOL_SIZE = 16 * 256
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

/** `n` (at most 16) random bytes from a pool refilled 4 KB at a time (one randomFillSync per ~400 ids). */
function randomBytes(n: number): Buffer {
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const out = pool.subarray(poolOffset, poolOffset + n)
  poolOffset += n
  return out
}

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The 48-bit timestamp part ("01a229bc-16a0-"), kept for the last millisecond: a request's items share it. */
let lastMs = NaN
let lastPrefix = ''

export function uuidv7(now: number = Date.now()): string {
  if (now !== lastMs) {
    let ts = now
    let h = ''
    for (let i = 0; i < 6; i++) {
      h = hex[ts % 256]! + h
      ts = Math.floor(ts / 256)
    }
    lastPrefix = `${h.slice(0, 8)}-${h.slice(8)}-`
    lastMs = now
  }
  const r = randomBytes(10)
  // version 7 in the high nibble of byte 6, variant 10 in the high bits of byte 8, the rest random
  return `${lastPrefix}${hex[0x70 | (r[0]! & 0x0f)]}${hex[r[1]!]}-${hex[0x80 | (r[2]! & 0x3f)]}${hex[r[3]!]}-${hex[r[4]!]}${hex[r[5]!]}${hex[r[6]!]}${hex[r[7]!]}${hex[r[8]!]}${hex[r[9]!]}`
}

/** Random lowercase hex of `bytes` bytes, never all zeros (W3C trace ids and span ids must not be). */
export function randomHexId(bytes: 8 | 16): string {
  for (;;) {
    const s = randomBytes(bytes).toString('hex')
    if (!/^0+$/.test(s)) return s
  }
}
