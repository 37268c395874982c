// The values of a protobuf-decoded OTLP request as the OTLP/JSON mapper needs them, read straight from the
// decoded messages (no toObject copy): int64 fields are Long objects (→ decimal text), bytes fields are views
// into the body (ids → lowercase hex, other bytes → base64). A field is present only when it was on the wire
// (an own property: protobufjs keeps the proto3 defaults on the prototype), as OTLP/JSON leaves absent
// fields out.
import protobuf from 'protobufjs'

const Long = protobuf.util.Long
type LongValue = { low: number; high: number; unsigned: boolean }

/** The field when the message (or JSON object) has it as its own property, else undefined. */
export function field(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined
}

export function isLong(v: unknown): v is LongValue {
  return v instanceof Long
}

/**
 * A Long's decimal text, as Long#toString gives it but without its division loop: the 64 bits are split
 * as high·2^32 + low = high·4294·10^6 + (high·967296 + low), every part exact in a double.
 */
export function longText(v: LongValue): string {
  if (!v.unsigned && v.high < 0) return Long.prototype.toString.call(v)
  const high = v.high >>> 0
  const low = v.low >>> 0
  if (high < 0x200000) return String(high * 4294967296 + low)
  const rest = high * 967296 + low
  const top = high * 4294 + Math.floor(rest / 1e6)
  const below = rest % 1e6
  return `${top}${below < 100000 ? String(below).padStart(6, '0') : below}`
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Bytes → lowercase hex (trace and span ids: 8 or 16 bytes, a table is cheaper than a Buffer view). */
export function bytesHex(b: Uint8Array): string {
  let out = ''
  for (let i = 0; i < b.length; i++) out += HEX[b[i]!]
  return out
}

export function bytesBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')
}
