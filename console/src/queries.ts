// The console's only way to ClickHouse: a shipped query (schemas/queries/, the same catalog `npm run query`
// runs) by name, with typed parameters bound by the catalog, as the read-only user with readonly=1 on every
// query. No SQL ever comes from the browser: a request names a query and gives parameter values.
import type { ClickHouseClient } from '@clickhouse/client'
import { bindQuery, shippedQueries, type ShippedQuery } from '../../schemas/queries/catalog.ts'

export type QueryResult = { columns: Array<{ name: string; type: string }>; rows: unknown[][]; elapsed_ms: number }
/** Runs one bound shipped query; throws QueryParamError (a 400) when a value is out of type. */
export type RunQuery = (name: string, values: Record<string, string>) => Promise<QueryResult>

/** The shipped queries the console's pages read (others stay CLI-only). */
export const CONSOLE_QUERIES = [
  'ingest_funnel',
  'events_per_minute',
  'events_per_minute_by_app',
  'top_event_names',
  'top_countries',
  'metric_series',
  'counter_per_minute',
  'table_parts',
  'service_operations',
  'latency_per_minute',
  'service_runtime',
  'trace_search',
  'trace_spans',
  'log_search',
  'top_apps',
  'app_events',
] as const

export function consoleCatalog(): Map<string, ShippedQuery> {
  const all = new Map(shippedQueries().map((q) => [q.name, q]))
  return new Map(CONSOLE_QUERIES.map((name) => {
    const q = all.get(name)
    if (!q) throw new Error(`console: shipped query ${name} not found in schemas/queries/`)
    return [name, q]
  }))
}

export function clickHouseRunner(client: ClickHouseClient, catalog = consoleCatalog()): RunQuery {
  return async (name, values) => {
    const sql = bindQuery(catalog.get(name)!, values)
    const rs = await client.query({ query: sql, format: 'JSONCompact', clickhouse_settings: { readonly: '1' } })
    const out = (await rs.json()) as { meta: Array<{ name: string; type: string }>; data: unknown[][]; statistics?: { elapsed: number } }
    return { columns: out.meta, rows: out.data, elapsed_ms: Math.round((out.statistics?.elapsed ?? 0) * 1e4) / 10 }
  }
}
