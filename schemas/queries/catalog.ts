// The shipped queries (schemas/queries/*.sql) and their typed parameters. ClickHouse 18.16 has no
// server-side query parameters, so values are bound here: each one is parsed into its declared type and
// written as a literal of that type (strings quoted and escaped, times rebuilt from a parsed date, numbers
// checked to be digits). A raw parameter value never reaches the SQL text.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export type ParamType = 'String' | 'DateTime' | 'UInt32'
export type ParamSpec = { name: string; type: ParamType; default: string | undefined }
export type ShippedQuery = { name: string; description: string; params: ParamSpec[]; sql: string }

const dir = import.meta.dirname

export function shippedQueries(): ShippedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseQueryFile(f.replace(/\.sql$/, ''), readFileSync(join(dir, f), 'utf8')))
}

export function parseQueryFile(name: string, text: string): ShippedQuery {
  const lines = text.split('\n')
  const header = lines.filter((l) => l.startsWith('--')).map((l) => l.replace(/^--\s?/, ''))
  const params: ParamSpec[] = header
    .filter((l) => l.startsWith('@param '))
    .map((l) => {
      const [, pname, type, def] = l.split(/\s+/)
      if (type !== 'String' && type !== 'DateTime' && type !== 'UInt32') throw new Error(`${name}.sql: unsupported parameter type ${type}`)
      return { name: pname!, type, default: def }
    })
  const description = header.filter((l) => !l.startsWith('@')).join(' ').trim()
  const sql = lines.filter((l) => !l.startsWith('--')).join('\n').trim()
  return { name, description, params, sql }
}

export class QueryParamError extends Error {}

export function bindQuery(query: ShippedQuery, values: Record<string, string>, now: number = Date.now()): string {
  const known = new Set(query.params.map((p) => p.name))
  for (const k of Object.keys(values)) {
    if (!known.has(k)) throw new QueryParamError(`${query.name}: unknown parameter "${k}" (known: ${[...known].join(', ') || 'none'})`)
  }
  const literals = new Map<string, string>()
  for (const p of query.params) {
    const raw = values[p.name] ?? p.default
    if (raw === undefined) throw new QueryParamError(`${query.name}: parameter "${p.name}" (${p.type}) is required`)
    literals.set(p.name, literal(p, raw, now))
  }
  return query.sql.replace(/\{(\w+):(\w+)\}/g, (_m, pname: string, type: string) => {
    const spec = query.params.find((p) => p.name === pname)
    if (!spec || spec.type !== type) throw new QueryParamError(`${query.name}.sql uses {${pname}:${type}} but declares no such @param`)
    return literals.get(pname)!
  })
}

function literal(p: ParamSpec, raw: string, now: number): string {
  switch (p.type) {
    case 'String':
      return quoteString(raw)
    case 'UInt32': {
      if (!/^\d{1,10}$/.test(raw) || Number(raw) > 4_294_967_295) throw new QueryParamError(`parameter "${p.name}" must be a whole number 0..4294967295, got ${JSON.stringify(raw)}`)
      return String(Number(raw))
    }
    case 'DateTime': {
      const ms = parseTime(raw, now)
      if (ms === null) throw new QueryParamError(`parameter "${p.name}" must be an RFC 3339 time, epoch ms, "now" or a relative time like -1h / -30m / -7d, got ${JSON.stringify(raw)}`)
      const text = new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
      return `toDateTime('${text}', 'UTC')`
    }
  }
}

/** A ClickHouse string literal: backslash and quote escaped, control characters as escapes. */
export function quoteString(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`
}

export function parseTime(raw: string, now: number): number | null {
  if (raw === 'now') return now
  const rel = /^-(\d+)([smhd])$/.exec(raw)
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2] as 's' | 'm' | 'h' | 'd']
  if (/^\d{12,14}$/.test(raw)) return Number(raw)
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?$/.test(raw)) return null
  const ms = Date.parse(/[Zz]|[+-]\d{2}:\d{2}$/.test(raw) || raw.length === 10 ? raw : `${raw.replace(' ', 'T')}Z`)
  return Number.isFinite(ms) ? ms : null
}
