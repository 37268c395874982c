import { describe, expect, it } from 'vitest'
import { insertSettings, isBadRowsError, serverErrorCode } from '../src/steps/insertRows.ts'

describe('serverErrorCode', () => {
  it.each([
    ['ClickHouse 18.16 message', Object.assign(new Error('Code: 27, e.displayText() = DB::Exception: Cannot parse input: (at row 18)\n, e.what() = DB::Exception\n'), {}), 27],
    ['current message', new Error('Code: 27. DB::Exception: Cannot parse input. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)'), 27],
    ['code parsed by the client', Object.assign(new Error('Cannot parse input'), { code: '6' }), 6],
    ['network error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }), NaN],
  ])('%s', (_name, err, code) => {
    expect(serverErrorCode(err)).toBe(code)
  })
})

describe('isBadRowsError', () => {
  it.each([
    ['refused content', 'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected { before: timeout while reading from socket', true],
    ['truncated data', 'Code: 33, e.displayText() = DB::Exception: Cannot read all data. Bytes read: 3. Bytes expected: 16.', true],
    ['a shard dropped the connection', 'Code: 32, e.displayText() = DB::Exception: Attempt to read after eof: while receiving packet from 127.0.0.1:45021, e.what() = DB::Exception', false],
    ['a shard timed out', 'Code: 33, e.displayText() = DB::Exception: Cannot read all data: while reading from socket (127.0.0.1:45031)', false],
    ['every replica of a shard down', 'Code: 279, e.displayText() = DB::NetException: All connection tries failed.', false],
    ['replica read-only without ZooKeeper', 'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode', false],
  ])('%s', (_name, message, bad) => {
    expect(isBadRowsError(new Error(message))).toBe(bad)
  })

  it('on a cluster the insert waits for every shard', () => {
    expect(insertSettings('telemetry')).toEqual({ wait_end_of_query: 1, insert_distributed_sync: 1 })
    expect(insertSettings(undefined)).toEqual({ wait_end_of_query: 1 })
  })
})
