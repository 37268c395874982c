// Insert step of the loader, behind a small interface so unit tests can replace ClickHouse.
import type { ClickHouseClient } from '@clickhouse/client'
import { Readable } from 'node:stream'
import { noFaults, type FaultHook } from '../faultInjection.ts'
import { tabSeparatedRows } from './encodeRows.ts'

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

/**
 * On a cluster (CLICKHOUSE_CLUSTER) the tables are Distributed: insert_distributed_sync makes the insert answer
 * only once every shard has stored its rows (one replica each; replication copies them on), so an insert that
 * succeeded is stored and the offset commit after it means what it says. Without it the rows would wait in
 * the node's spool directory and a commit could run ahead of them. loadtest/README.md has the measurement
 * against per-shard inserts into the local tables.
 */
export function insertSettings(cluster: string | undefined): Record<string, 0 | 1> {
  return cluster ? { wait_end_of_query: 1, insert_distributed_sync: 1 } : { wait_end_of_query: 1 }
}

/** CONSUMER_INSERT_FORMAT: how a batch's rows travel to ClickHouse (loadtest/README.md "Consumer cost" has the measurement). */
export type InsertFormat = 'TabSeparated' | 'JSONEachRow'

export function createClickHouseWriter(client: ClickHouseClient, fault: FaultHook = noFaults, settings = insertSettings(undefined), format: InsertFormat = 'TabSeparated'): RowWriter {
  return {
    async insert(table, rows) {
      let body: string | null = null
      try {
        // the mappers give every row of a table the same columns; a row this cannot write is refused as bad content
        if (format === 'TabSeparated') body = tabSeparatedRows(Object.keys(rows[0] ?? {}), rows as Array<Record<string, string | number | string[] | number[]>>)
      } catch (err) {
        throw new InsertError((err as Error).message, true)
      }
      try {
        // wait_end_of_query: ClickHouse answers only once the whole insert is done, so an error found late
        // (the last rows, the final write) comes back as an error status, never after a 200 has started.
        // The column list is explicit so columns the rows leave out get their DEFAULT (inserted_at = now()):
        // ClickHouse 18.16 fills omitted JSONEachRow fields with zero values otherwise; TabSeparated needs it for the order.
        const columns = Object.keys(rows[0] ?? {}) as [string, ...string[]]
        const values = body === null ? rows : Readable.from([body], { objectMode: false })
        const inserting = client.insert({ table, values, format, ...(columns.length ? { columns } : {}), clickhouse_settings: settings })
        if (fault !== noFaults) {
          // test-only crash point: the insert is on the wire, its answer not yet read
          inserting.catch(() => {})
          await new Promise((r) => setTimeout(r, 2))
          fault('during-insert')
        }
        await inserting
      } catch (err) {
        throw new InsertError((err as Error).message, isBadRowsError(err))
      }
    },
  }
}

/**
 * ClickHouse refused the rows themselves. A shard that drops its connection mid-insert surfaces as a read
 * error too (32 "Attempt to read after eof", 33 "Cannot read all data"), but names the peer's address ("while
 * receiving packet from 127.0.0.1:9000", "while reading from socket (127.0.0.1:9000)"): that is server
 * trouble, retried, never dead letters.
 */
export function isBadRowsError(err: unknown): boolean {
  const message = (err as Error)?.message ?? ''
  return DATA_ERROR_CODES.has(serverErrorCode(err)) && !/while (receiving packet from|reading from socket|writing to socket) \(?[\w.[\]:-]+:\d+\)?/.test(message)
}

/**
 * ClickHouse's error code. @clickhouse/client parses it only from the current message format
 * ("Code: 27. DB::Exception: ..."); ClickHouse 18.16 writes "Code: 27, e.displayText() = ...", so the
 * message is read too (without this, refused rows were retried forever on 18.16 instead of isolated).
 */
export function serverErrorCode(err: unknown): number {
  const fromClient = Number((err as { code?: string }).code)
  if (Number.isInteger(fromClient) && fromClient > 0) return fromClient
  const m = /^Code: (\d+)[.,]/.exec((err as Error)?.message ?? '')
  return m ? Number(m[1]) : NaN
}
