// The insert body of a batch in ClickHouse's TabSeparated input format (CONSUMER_INSERT_FORMAT=TabSeparated):
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

/** The rows as one TabSeparated body (each line ends with a newline). */
export function tabSeparatedRows(columns: readonly string[], rows: ReadonlyArray<Record<string, Value>>): string {
  let out = ''
  for (const row of rows) {
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) out += '\t'
      out += field(row[columns[c]!]!)
    }
    out += '\n'
  }
  return out
}
