// ClickHouse's TabSeparated text of one value, shared by the consumer's insert encoder
// (consumers/src/steps/encodeRows.ts) and the types' direct row lines (TelemetryType.toRowLine), so both
// write the same bytes. Pure.

const NEEDS_ESCAPE = /[\\\t\n\r\0]/
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' }
const escapeChar = (c: string) => ESCAPED[c]!

/** A string as a TabSeparated value: backslash, tab, newline, carriage return, NUL as backslash sequences. */
export function tabSeparatedText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r\0]/g, escapeChar) : value
}

/** An array element string, quoted: as above, and ' as \'. */
export function tabSeparatedQuoted(value: string): string {
  return `'${value.replace(/[\\'\t\n\r\0]/g, (c) => (c === "'" ? "\\'" : ESCAPED[c]!))}'`
}

/** One row already written as a TabSeparated line (ending in a newline), with the columns it holds in order. */
export class TabSeparatedLine {
  readonly text: string
  readonly columns: readonly string[]
  constructor(text: string, columns: readonly string[]) {
    this.text = text
    this.columns = columns
  }
}
