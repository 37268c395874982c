import { describe, expect, it } from 'vitest'
import { QueryParamError, shippedQueries } from '../../schemas/queries/catalog.ts'
import { parseArgs, queryValues } from '../queryArgs.ts'

const query = (name: string) => shippedQueries().find((q) => q.name === name)!
const id = '0af7651916cd43dd8448eb211c80319c'

describe('query CLI arguments', () => {
  it('takes --sql before the query name as after it', () => {
    expect(parseArgs(['--sql', 'top_countries', 'limit=5'])).toEqual({ name: 'top_countries', values: { limit: '5' }, positional: [], sqlOnly: true })
    expect(parseArgs(['top_countries', 'limit=5', '--sql'])).toEqual({ name: 'top_countries', values: { limit: '5' }, positional: [], sqlOnly: true })
    expect(parseArgs(['top_countries', '--limit', '5'])).toEqual({ name: 'top_countries', values: { limit: '5' }, positional: [], sqlOnly: false })
  })

  it('takes a bare trace id as trace_id, beside trace_id=<id>', () => {
    expect(queryValues(query('trace'), parseArgs(['trace', id]))).toEqual({ trace_id: id })
    expect(queryValues(query('trace'), parseArgs(['trace', `trace_id=${id}`]))).toEqual({ trace_id: id })
    // upper-case hex is the same id (spans are stored lower-case)
    expect(queryValues(query('trace'), parseArgs(['trace', id.toUpperCase()]))).toEqual({ trace_id: id })
  })

  it('refuses a malformed trace id instead of answering "no spans"', () => {
    for (const bad of ['abc', `${id}0`, 'zz'.repeat(16), '0'.repeat(32), "' OR 'a' LIKE 'a"]) {
      expect(() => queryValues(query('trace'), parseArgs(['trace', bad])), bad).toThrow(QueryParamError)
      expect(() => queryValues(query('trace'), parseArgs(['trace', `trace_id=${bad}`])), bad).toThrow(/trace_id must be 32 hex digits/)
    }
  })

  it('refuses a bare value where it is ambiguous: two of them, or the parameter given as well, or no required parameter', () => {
    expect(() => queryValues(query('trace'), parseArgs(['trace', id, id]))).toThrow(/unexpected argument/)
    expect(() => queryValues(query('trace'), parseArgs(['trace', id, `trace_id=${id}`]))).toThrow(/unexpected argument/)
    expect(() => queryValues(query('top_countries'), parseArgs(['top_countries', 'GB']))).toThrow(/unexpected argument "GB": use name=value$/)
  })

  it('a bare value fills the first parameter without a default (app_events: app_id)', () => {
    expect(queryValues(query('app_events'), parseArgs(['app_events', 'quickstart', 'limit=5']))).toEqual({ app_id: 'quickstart', limit: '5' })
  })
})
