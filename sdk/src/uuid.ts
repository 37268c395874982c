// UUID version 7 (RFC 9562): 48-bit Unix ms, then 74 random bits. Made once per event at track() time and
// sent unchanged on every attempt: the gateway derives its server id from it (README "Exactly once").
const hex: string[] = []
for (let i = 0; i < 256; i++) hex.push((i + 0x100).toString(16).slice(1))

// random bytes drawn 4 KiB at a time: one getRandomValues call per 256 ids
const pool = new Uint8Array(4096)
let used = pool.length

export function uuidv7(now: number = Date.now()): string {
  if (used + 16 > pool.length) {
    globalThis.crypto.getRandomValues(pool)
    used = 0
  }
  const b = pool.subarray(used, (used += 16))
  let ts = now
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256
    ts = Math.floor(ts / 256)
  }
  b[6] = 0x70 | (b[6]! & 0x0f)
  b[8] = 0x80 | (b[8]! & 0x3f)
  let s = ''
  for (let i = 0; i < 16; i++) {
    s += hex[b[i]!]
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-'
  }
  return s
}

/** UTF-8 length of a string without encoding it (the gateway measures events in UTF-8 bytes). */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 2 // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++
    } else n += 2
  }
  return n
}
