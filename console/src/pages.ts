// The console's pages: each is a list of filters (form fields named like the query parameters they set, so
// the whole state is the URL) and panels (a shipped query and how to show it). The server renders the shell;
// console.js fetches each panel's query from /api/query/<name> and draws it (table, uPlot chart, waterfall).
import type { ShippedQuery } from '../../schemas/queries/catalog.ts'

export type PanelView =
  | { kind: 'chart'; x: string; y: string; series?: string; agg?: 'sum' | 'max'; unit?: string }
  | { kind: 'table'; columns?: string[]; link?: { column: string; href: string } }
  | { kind: 'totals'; group: string[]; sum: string }
  | { kind: 'waterfall' }
  | { kind: 'logs'; tail: boolean }

export type Panel = {
  id: string
  title: string
  query: string
  view: PanelView
  /** parameter values fixed by the page (not from the URL) */
  fixed?: Record<string, string>
  /** a URL parameter without which the panel is hidden (e.g. the waterfall needs trace_id) */
  requires?: string
  /** a URL parameter with which the panel is hidden (the span search, when a trace is shown) */
  unless?: string
  wide?: boolean
}

export type Filter = { name: string; label: string; placeholder?: string; options?: Array<[string, string]> }

export type Page = { path: string; title: string; intro: string; filters: Filter[]; panels: Panel[]; defaults?: Record<string, string> }

const chart = (x: string, y: string, series?: string, agg: 'sum' | 'max' = 'sum', unit?: string): PanelView => ({ kind: 'chart', x, y, series, agg, unit })

export const pages: Page[] = [
  {
    path: '/ingest',
    title: 'Ingest',
    intro: 'The funnel from the pipeline\'s own metrics (received → accepted / refused by reason → landed per table), what came in, and how the loader keeps up.',
    filters: [],
    panels: [
      { id: 'funnel', title: 'Funnel per minute', query: 'ingest_funnel', view: chart('minute', 'events', 'stage'), wide: true },
      { id: 'funnel-totals', title: 'Funnel in the range', query: 'ingest_funnel', view: { kind: 'totals', group: ['stage', 'reason'], sum: 'events' } },
      { id: 'by-category', title: 'Events per minute by category', query: 'events_per_minute', view: chart('minute', 'events', 'category') },
      { id: 'by-app', title: 'Events per minute by app (top 8)', query: 'events_per_minute_by_app', view: chart('minute', 'events', 'app_id') },
      { id: 'names', title: 'Top event names', query: 'top_event_names', view: { kind: 'table' }, fixed: { limit: '10' } },
      { id: 'countries', title: 'Top countries', query: 'top_countries', view: { kind: 'table' }, fixed: { limit: '10' } },
      { id: 'lag', title: 'Consumer lag (Kafka records) per topic partition', query: 'metric_series', view: chart('time', 'max_of_step', 'attributes', 'max'), fixed: { name: 'consumer_lag', service: 'telemetry-consumer', step: '60' } },
      { id: 'dead-letters', title: 'Dead letters per minute', query: 'counter_per_minute', view: chart('minute', 'increase', 'attributes'), fixed: { name: 'consumer_dead_letters_total', service: 'telemetry-consumer' } },
      { id: 'parts', title: 'ClickHouse parts', query: 'table_parts', view: { kind: 'table' }, wide: true },
    ],
  },
  {
    path: '/services',
    title: 'Services',
    intro: 'Rate, errors and latency per service and operation (from spans), and each service\'s Node runtime (from the OpenTelemetry runtime metrics) — the pipeline\'s own processes included.',
    filters: [{ name: 'service', label: 'service', placeholder: '* (all)' }],
    panels: [
      { id: 'operations', title: 'Operations', query: 'service_operations', view: { kind: 'table', link: { column: 'operation', href: '/traces?service={service}&operation={operation}' } }, wide: true },
      { id: 'rate', title: 'Spans per minute by service', query: 'latency_per_minute', view: chart('minute', 'spans', 'service') },
      { id: 'p99', title: 'Latency p99 (ms, slowest operation) by service', query: 'latency_per_minute', view: chart('minute', 'p99_ms', 'service', 'max', 'ms') },
      { id: 'eventloop', title: 'Event-loop delay p99 (ms)', query: 'service_runtime', view: chart('time', 'eventloop_delay_p99_ms', 'service', 'max', 'ms') },
      { id: 'elu', title: 'Event-loop utilization (%)', query: 'service_runtime', view: chart('time', 'eventloop_utilization_pct', 'service', 'max', '%') },
      { id: 'cpu', title: 'CPU (% of the machine)', query: 'service_runtime', view: chart('time', 'cpu_percent', 'service', 'max', '%') },
      { id: 'heap', title: 'V8 heap used (MB)', query: 'service_runtime', view: chart('time', 'heap_used_mb', 'service', 'max', 'MB') },
      { id: 'rss', title: 'RSS (MB)', query: 'service_runtime', view: chart('time', 'rss_mb', 'service', 'max', 'MB') },
      { id: 'gc', title: 'GC time (ms per minute)', query: 'service_runtime', view: chart('time', 'gc_ms', 'service', 'max', 'ms') },
    ],
  },
  {
    path: '/traces',
    title: 'Traces',
    intro: 'Spans by service, operation, minimum duration and errors; a trace id shows its waterfall, each span\'s attributes, events and links, and the trace\'s logs.',
    filters: [
      { name: 'service', label: 'service', placeholder: '* (all)' },
      { name: 'operation', label: 'operation', placeholder: '* (all)' },
      { name: 'min_duration_ms', label: 'min ms', placeholder: '0' },
      { name: 'errors_only', label: 'errors', options: [['0', 'all'], ['1', 'errors only']] },
      { name: 'trace_id', label: 'trace id', placeholder: '32 hex digits' },
    ],
    panels: [
      { id: 'waterfall', title: 'Trace', query: 'trace_spans', view: { kind: 'waterfall' }, requires: 'trace_id', wide: true },
      { id: 'trace-logs', title: 'Logs of the trace', query: 'log_search', view: { kind: 'logs', tail: false }, requires: 'trace_id', wide: true },
      { id: 'spans', title: 'Spans', query: 'trace_search', view: { kind: 'table', link: { column: 'trace_id', href: '/traces?trace_id={trace_id}' } }, unless: 'trace_id', wide: true },
    ],
  },
  {
    path: '/logs',
    title: 'Logs',
    intro: 'Log records by service, severity, text and trace id, newest first; "tail" follows new records.',
    filters: [
      { name: 'service', label: 'service', placeholder: '* (all)' },
      { name: 'min_severity', label: 'severity', options: [['0', 'any'], ['5', 'debug+'], ['9', 'info+'], ['13', 'warn+'], ['17', 'error+']] },
      { name: 'text', label: 'text', placeholder: 'contains' },
      { name: 'trace_id', label: 'trace id', placeholder: '32 hex digits' },
      { name: 'tail', label: 'tail', options: [['0', 'off'], ['1', 'follow']] },
    ],
    panels: [{ id: 'logs', title: 'Log records', query: 'log_search', view: { kind: 'logs', tail: true }, wide: true }],
  },
  {
    path: '/events',
    title: 'Events',
    intro: 'One app\'s events with their properties, filterable by name and country.',
    filters: [
      { name: 'app_id', label: 'app', placeholder: 'app id' },
      { name: 'event_name', label: 'event name', placeholder: '* (all)' },
      { name: 'country', label: 'country', placeholder: '* (all)' },
    ],
    panels: [
      { id: 'apps', title: 'Apps', query: 'top_apps', view: { kind: 'table', link: { column: 'app_id', href: '/events?app_id={app_id}' } }, fixed: { limit: '20' } },
      { id: 'events', title: 'Events', query: 'app_events', view: { kind: 'table' }, requires: 'app_id', wide: true },
    ],
  },
]

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const RANGES: Array<[string, string]> = [['-15m', 'last 15 min'], ['-1h', 'last hour'], ['-6h', 'last 6 hours'], ['-24h', 'last 24 hours'], ['-7d', 'last 7 days']]
const REFRESH: Array<[string, string]> = [['0', 'off'], ['5', '5 s'], ['30', '30 s'], ['60', '1 min']]

function field(f: Filter, value: string): string {
  if (f.options) {
    const opts = f.options.map(([v, l]) => `<option value="${escapeHtml(v)}"${v === value ? ' selected' : ''}>${escapeHtml(l)}</option>`).join('')
    return `<label>${escapeHtml(f.label)} <select name="${f.name}">${opts}</select></label>`
  }
  return `<label>${escapeHtml(f.label)} <input name="${f.name}" value="${escapeHtml(value)}" placeholder="${escapeHtml(f.placeholder ?? '')}" size="14"></label>`
}

/** The page's HTML: navigation, the range / refresh / filter form (GET: the state is the URL) and empty panels. */
export function renderPage(page: Page, url: URL, catalog: Map<string, ShippedQuery>): string {
  const value = (name: string, def = '') => url.searchParams.get(name) ?? page.defaults?.[name] ?? def
  const nav = pages.map((p) => `<a href="${p.path}"${p === page ? ' aria-current="page"' : ''}>${p.title}</a>`).join('')
  const ranges = RANGES.map(([v, l]) => `<option value="${v}">${l}</option>`).join('')
  const refresh = REFRESH.map(([v, l]) => `<option value="${v}"${v === value('refresh', '0') ? ' selected' : ''}>${l}</option>`).join('')
  const panels = page.panels
    .map((p) => {
      const params = catalog.get(p.query)!.params.map((x) => x.name)
      const spec = JSON.stringify({ id: p.id, query: p.query, params, fixed: p.fixed ?? {}, view: p.view, requires: p.requires, unless: p.unless })
      return `<section class="panel${p.wide ? ' wide' : ''}" id="${p.id}" data-spec="${escapeHtml(spec)}"><h2>${escapeHtml(p.title)}</h2><div class="body">loading…</div></section>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · telemetry console</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css"><link rel="stylesheet" href="/assets/uPlot.min.css">
<script src="/assets/uPlot.iife.min.js" defer></script><script type="module" src="/assets/console.js"></script>
</head><body data-page="${page.path.slice(1)}">
<header><strong>telemetry</strong><nav>${nav}</nav></header>
<form class="controls" method="get" action="${page.path}">
<label>from <input name="from" list="ranges" value="${escapeHtml(value('from', '-1h'))}" size="20"></label>
<label>to <input name="to" value="${escapeHtml(value('to', 'now'))}" size="20"></label>
<datalist id="ranges">${ranges}</datalist>
${page.filters.map((f) => field(f, value(f.name))).join('\n')}
<label>refresh <select name="refresh">${refresh}</select></label>
<button type="submit">apply</button><span class="status" id="status"></span>
</form>
<p class="intro">${escapeHtml(page.intro)}</p>
<main>
${panels}
</main>
</body></html>`
}
