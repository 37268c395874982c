// Time-ordered UUIDs (RFC 9562 version 7): 48-bit Unix ms timestamp, then random bits. Sorting by
// backend_id sorts by server receive time, which keeps ClickHouse parts and Kafka keys well clustered.
import { randomFillSync } from 'node:crypto'

const POOL_SIZE = 16 * 256
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

function randomBytes10(): Buffer {
  if (poolOffset + 10 > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const out = pool.subarray(poolOffset, poolOffset + 10)
  poolOffset += 10
  return out
}

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function uuidv7(now: number = Date.now()): string {
  const r = randomBytes10()
  const b = new Uint8Array(16)
  // 48-bit big-endian timestamp
  let ts = now
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256
    ts = Math.floor(ts / 256)
  }
  b[6] = 0x70 | (r[0]! & 0x0f)
  b[7] = r[1]!
  b[8] = 0x80 | (r[2]! & 0x3f)
  for (let i = 9; i < 16; i++) b[i] = r[i - 6]!
  let s = ''
  for (let i = 0; i < 16; i++) {
    s += hex[b[i]!]
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-'
  }
  return s
}

/** Random lowercase hex of `bytes` bytes, never all zeros (W3C trace ids and span ids must not be). */
export function randomHexId(bytes: 8 | 16): string {
  for (;;) {
    const buf = Buffer.allocUnsafe(bytes)
    randomFillSync(buf)
    const s = buf.toString('hex')
    if (!/^0+$/.test(s)) return s
  }
}
