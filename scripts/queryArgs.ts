// The query CLI's arguments: `<name> [param=value | --param value | value ...] [--sql]`, flags anywhere. A
// bare value fills the query's first parameter that has no default (`trace <id>`, as people first type it).
import { QueryParamError, type ShippedQuery } from '../schemas/queries/catalog.ts'

export type QueryArgs = { name: string | undefined; values: Record<string, string>; positional: string[]; sqlOnly: boolean }

export function parseArgs(argv: string[]): QueryArgs {
  const values: Record<string, string> = {}
  const positional: string[] = []
  let name: string | undefined
  let sqlOnly = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--sql') sqlOnly = true
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      if (eq > 0) values[a.slice(2, eq)] = a.slice(eq + 1)
      else values[a.slice(2)] = argv[++i] ?? ''
    } else if (a.includes('=')) values[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1)
    else if (name === undefined) name = a
    else positional.push(a)
  }
  return { name, values, positional, sqlOnly }
}

const TRACE_ID = /^[0-9a-f]{32}$/

/** The parameter values of `query`: the positional value placed, ids checked; throws QueryParamError. */
export function queryValues(query: ShippedQuery, args: QueryArgs): Record<string, string> {
  const values = { ...args.values }
  if (args.positional.length > 0) {
    const slot = query.params.find((p) => p.default === undefined)
    if (!slot || args.positional.length > 1 || values[slot.name] !== undefined) {
      throw new QueryParamError(`unexpected argument ${JSON.stringify(args.positional.at(-1))}: use name=value${slot ? ` (a single bare value is taken as ${slot.name})` : ''}`)
    }
    values[slot.name] = args.positional[0]!
  }
  // spans store W3C ids in lowercase hex: any other id can only answer "no spans", so say what is wrong
  if (values.trace_id !== undefined) {
    const id = values.trace_id.trim().toLowerCase()
    if (!TRACE_ID.test(id) || /^0+$/.test(id)) throw new QueryParamError(`trace_id must be 32 hex digits, not all zero (a W3C trace id), got ${JSON.stringify(values.trace_id)}`)
    values.trace_id = id
  }
  return values
}
