// Insert step of the loader, behind a small interface so unit tests can replace ClickHouse.
import type { ClickHouseClient } from '@clickhouse/client'

export interface RowWriter {
  /** Resolves only when ClickHouse has accepted every row; rejects with InsertError otherwise. */
  insert(table: string, rows: object[]): Promise<void>
}

/** `badRows`: ClickHouse refused the content (retrying the same rows cannot help). */
export class InsertError extends Error {
  readonly badRows: boolean
  constructor(message: string, badRows: boolean) {
    super(message)
    this.badRows = badRows
  }
}

// Server error codes that mean "this data is wrong", as opposed to "the server is unwell".
const DATA_ERROR_CODES = new Set([6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 321, 376, 377])

export function createClickHouseWriter(client: ClickHouseClient): RowWriter {
  return {
    async insert(table, rows) {
      try {
        // The column list is explicit so columns the rows leave out get their DEFAULT (inserted_at = now()):
        // ClickHouse 18.16 fills omitted JSONEachRow fields with zero values otherwise.
        const columns = Object.keys(rows[0] ?? {}) as [string, ...string[]]
        await client.insert({ table, values: rows, format: 'JSONEachRow', ...(columns.length ? { columns } : {}) })
      } catch (err) {
        const code = Number((err as { code?: string }).code)
        throw new InsertError((err as Error).message, DATA_ERROR_CODES.has(code))
      }
    },
  }
}
