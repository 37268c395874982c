// uuidv7: RFC 9562 version 7 — the 48-bit millisecond time first, version and variant bits set, the rest
// random (ids of one millisecond, as a request's items share, all differ).
import { describe, expect, it } from 'vitest'
import { uuidv7 } from '../ids.ts'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const timeOf = (u: string) => parseInt(u.replaceAll('-', '').slice(0, 12), 16)

describe('uuidv7', () => {
  it('carries its millisecond, the version and the variant, for times at both ends of 48 bits', () => {
    for (const t of [0, 1, 255, 256, 1_764_460_000_123, 1_764_460_000_124, 2 ** 48 - 1]) {
      const u = uuidv7(t)
      expect(u).toMatch(V7)
      expect(timeOf(u)).toBe(t)
    }
  })
  it('gives distinct ids in one millisecond, and sorts by time across milliseconds', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_764_460_000_123))
    expect(new Set(ids).size).toBe(ids.length)
    const later = uuidv7(1_764_460_000_124)
    expect(ids.every((u) => u < later)).toBe(true)
    expect(timeOf(uuidv7())).toBeGreaterThan(1_764_000_000_000)
  })
})
