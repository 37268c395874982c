import { describe, expect, it } from 'vitest'
import { tabSeparatedRows } from '../src/steps/encodeRows.ts'

describe('tabSeparatedRows', () => {
  it('writes the values in column order, one line per row', () => {
    const rows = [
      { b: 2, a: 'x' },
      { a: 'y', b: 3.5 },
    ]
    expect(tabSeparatedRows(['a', 'b'], rows)).toBe('x\t2\ny\t3.5\n')
  })

  it('escapes what would end a field or a line, and backslashes', () => {
    expect(tabSeparatedRows(['s'], [{ s: 'a\tb\nc\\d\re\0f' }])).toBe('a\\tb\\nc\\\\d\\re\\0f\n')
  })

  it('leaves every other character as it is (quotes, unicode, JSON text)', () => {
    const s = `{"k":"v 'q' é 😀"}`
    expect(tabSeparatedRows(['s'], [{ s }])).toBe(`${s}\n`)
  })

  it('writes numbers as JSON would', () => {
    const numbers = [0, -0, 1e21, 1.5e-7, 2 ** 53 + 2, -12.25]
    expect(tabSeparatedRows(['n'], numbers.map((n) => ({ n })))).toBe(numbers.map((n) => `${JSON.stringify(n)}\n`).join(''))
  })

  it('writes arrays as ClickHouse reads them: numbers bare, strings quoted and escaped', () => {
    expect(tabSeparatedRows(['a', 'b', 'c'], [{ a: [1, 2.5], b: [], c: ["it's", 'a\\b\tc'] }])).toBe("[1,2.5]\t[]\t['it\\'s','a\\\\b\\tc']\n")
  })

  it('refuses a value it cannot write rather than writing a wrong row', () => {
    expect(() => tabSeparatedRows(['a', 'b'], [{ a: 'x' }] as never)).toThrow(/cannot write undefined/)
    expect(() => tabSeparatedRows(['a'], [{ a: null }] as never)).toThrow(/cannot write object/)
  })
})
