// The insert body of a batch in ClickHouse's TabSeparated input format, as bytes (CONSUMER_INSERT_FORMAT=TabSeparated):
// one line per row, the values in the given column order. Cheaper than JSONEachRow for both sides (no JSON
// text per row to write here, none to parse in ClickHouse: loadtest/README.md "Consumer cost"). Pure.
//   string  → escaped text (backslash, tab, newline, carriage return, NUL as backslash sequences)
//   number  → its decimal text (what JSON would write too)
//   array   → [1,2.5] for numbers, ['a','b'] for strings (quoted, as TabSeparated reads array elements)

type Value = string | number | string[] | number[]

const NEEDS_ESCAPE = /[\\\t\n\r\0]/
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' }
const escapeChar = (c: string) => ESCAPED[c]!

function field(value: Value): string {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r\0]/g, escapeChar) : value
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value)) return arrayField(value)
  // a mapper's bug must not turn into a silently wrong row: refuse it like a value ClickHouse cannot parse
  throw new TypeError(`cannot write ${typeof value} as a TabSeparated value`)
}

function arrayField(values: ReadonlyArray<string | number>): string {
  let out = '['
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (i > 0) out += ','
    out += typeof v === 'number' ? String(v) : `'${v.replace(/[\\'\t\n\r\0]/g, (c) => (c === "'" ? "\\'" : ESCAPED[c]!))}'`
  }
  return out + ']'
}

/**
 * The rows as one TabSeparated body (each line ends with a newline), written straight into the bytes sent
 * (a body string would be a rope of two pieces per field until encoded: loadtest/README.md "Consumer cost,
 * second round").
 */
export function tabSeparatedRows(columns: readonly string[], rows: ReadonlyArray<Record<string, Value>>): Buffer {
  let out: Buffer = Buffer.allocUnsafe(Math.max(1024, rows.length * 512))
  let at = 0
  for (const row of rows) {
    for (let c = 0; c < columns.length; c++) {
      const text = field(row[columns[c]!]!)
      // at most 3 bytes per UTF-16 unit, and the separator
      if (out.length - at < text.length * 3 + 2) out = grown(out, at, text.length * 3 + 2)
      if (c > 0) out[at++] = 0x09
      at += out.write(text, at)
    }
    if (at === out.length) out = grown(out, at, 1)
    out[at++] = 0x0a
  }
  return out.subarray(0, at)
}

function grown(out: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + needed))
  out.copy(bigger, 0, 0, used)
  return bigger
}
