// npm run query -- [--sql] <name> [param=value | --param value | value ...] [--sql]
// Runs a shipped query from schemas/queries/ and prints the result as a table (`trace`: as a span tree,
// scripts/traceTree.ts). --sql prints the bound SQL.
import { loadConfig } from '../common/config.ts'
import { createClickHouse } from '../common/clickhouse.ts'
import { errorMessage } from '../common/logger.ts'
import { bindQuery, QueryParamError, shippedQueries } from '../schemas/queries/catalog.ts'
import { formatTraceTree, type TraceRow } from './traceTree.ts'
import { parseArgs, queryValues } from './queryArgs.ts'

function usage(): string {
  const lines = ['usage: npm run query -- [--sql] <name> [param=value ...]   (trace <trace_id> also works)', '', 'queries:']
  for (const q of shippedQueries()) {
    const params = q.params.map((p) => (p.default === undefined ? `${p.name}=<${p.type}>` : `[${p.name}=${p.default}]`)).join(' ')
    lines.push(`  ${q.name} ${params}`, `      ${q.description}`)
  }
  lines.push('', 'times: RFC 3339 (2026-11-25T10:00:00Z), epoch ms, now, or relative (-30m, -1h, -7d)')
  return lines.join('\n')
}

export function formatTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i]!.length))))
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w))
  const line = (vals: string[]) => vals.map((v, i) => fit(v, widths[i]!)).join('  ').trimEnd()
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n')
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const { name, sqlOnly } = args
  const query = shippedQueries().find((q) => q.name === name)
  if (!query) {
    console.error(name ? `unknown query "${name}"\n` : '')
    console.error(usage())
    process.exit(2)
  }
  const values = queryValues(query, args)
  const sql = bindQuery(query, values)
  if (sqlOnly) {
    console.log(sql)
    return
  }
  const config = loadConfig()
  // CLICKHOUSE_QUERY_USER (a readonly=1 user) when set; readonly=1 on every query in any case, so even an
  // admin account cannot write or change settings through this CLI.
  const client = createClickHouse(config.clickhouseQuery)
  try {
    if (name === 'trace') {
      // the span tree instead of a table
      const rs = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { readonly: '1' } })
      console.log(formatTraceTree(values.trace_id ?? '', (await rs.json()) as TraceRow[]))
      return
    }
    const rs = await client.query({ query: sql, format: 'JSONCompact', clickhouse_settings: { readonly: '1' } })
    const out = (await rs.json()) as { meta: { name: string }[]; data: unknown[][] }
    console.log(formatTable(out.meta.map((m) => m.name), out.data))
  } finally {
    await client.close()
  }
}

main().catch((err) => {
  console.error(err instanceof QueryParamError ? err.message : `query failed: ${errorMessage(err)}`)
  process.exit(err instanceof QueryParamError ? 2 : 1)
})
