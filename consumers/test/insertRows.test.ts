import { describe, expect, it } from 'vitest'
import { serverErrorCode } from '../src/steps/insertRows.ts'

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
