// The `trace` query's rows as an indented span tree: children under their parent in start order, with
// duration, offset from the trace start, service and status. A span whose parent is not in the trace
// (not loaded yet, or sent by a service that does not export) is shown as a root, marked "(parent ... missing)".
export type TraceRow = {
  span_id: string
  parent_span_id: string
  service: string
  name: string
  kind: string
  start_time_unix_nano: string
  duration_ns: string
  status_code: string
  status_message: string
}

export function formatTraceTree(traceId: string, rows: TraceRow[]): string {
  if (rows.length === 0) return `trace ${traceId}: no spans`
  const ids = new Set(rows.map((r) => r.span_id))
  const children = new Map<string, TraceRow[]>()
  const roots: TraceRow[] = []
  const byStart = (a: TraceRow, b: TraceRow) => {
    const d = BigInt(a.start_time_unix_nano) - BigInt(b.start_time_unix_nano)
    return d < 0n ? -1 : d > 0n ? 1 : a.span_id < b.span_id ? -1 : 1
  }
  for (const r of [...rows].sort(byStart)) {
    if (r.parent_span_id && ids.has(r.parent_span_id)) {
      const list = children.get(r.parent_span_id) ?? []
      list.push(r)
      children.set(r.parent_span_id, list)
    } else roots.push(r)
  }
  const traceStart = rows.reduce((m, r) => (BigInt(r.start_time_unix_nano) < m ? BigInt(r.start_time_unix_nano) : m), BigInt(rows[0]!.start_time_unix_nano))
  const traceEnd = rows.reduce((m, r) => {
    const end = BigInt(r.start_time_unix_nano) + BigInt(r.duration_ns)
    return end > m ? end : m
  }, 0n)
  const lines = [`trace ${traceId}: ${rows.length} span${rows.length === 1 ? '' : 's'}, ${ms(traceEnd - traceStart)} ms`]
  const seen = new Set<string>()
  const walk = (r: TraceRow, depth: number) => {
    if (seen.has(r.span_id)) return // a cycle in bad data must not loop forever
    seen.add(r.span_id)
    const status = r.status_code === 'error' ? `  ERROR${r.status_message ? `: ${r.status_message}` : ''}` : r.status_code === 'ok' ? '  ok' : ''
    const orphan = r.parent_span_id && !ids.has(r.parent_span_id) ? `  (parent ${r.parent_span_id} missing)` : ''
    lines.push(`${'  '.repeat(depth)}${r.name}  [${r.service}, ${r.kind}]  ${ms(BigInt(r.duration_ns))} ms  +${ms(BigInt(r.start_time_unix_nano) - traceStart)} ms${status}${orphan}`)
    for (const c of children.get(r.span_id) ?? []) walk(c, depth + 1)
  }
  for (const r of roots) walk(r, 0)
  return lines.join('\n')
}

/** nanoseconds → milliseconds with 3 decimals, exact (no float on the nanosecond count). */
function ms(ns: bigint): string {
  const neg = ns < 0n
  const abs = neg ? -ns : ns
  const micros = (abs + 500n) / 1000n
  return `${neg ? '-' : ''}${micros / 1000n}.${(micros % 1000n).toString().padStart(3, '0')}`
}
