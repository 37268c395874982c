/* global document, location, fetch, URL, URLSearchParams, Node, performance, setInterval, uPlot */
// The console's one client module: for each panel of the page, fetch its shipped query from
// /api/query/<name> with the URL's parameters (the state is the URL), and draw it: a table, a uPlot chart,
// totals, a trace waterfall, or log records (with a tail that follows new ones). Auto-refresh re-runs it.
const url = new URL(location.href)
const status = document.getElementById('status')
const charts = new Map()
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c']

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v)
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return e
}

function paramsFor(spec) {
  const q = new URLSearchParams()
  for (const name of spec.params) {
    const v = spec.fixed[name] ?? url.searchParams.get(name)
    if (v !== null && v !== undefined && v !== '') q.set(name, v)
  }
  return q
}

// Panels of one load asking the same query with the same parameters (the funnel chart and its totals) share
// one request: a page view runs each query once.
let shared = new Map()
function fetchShared(name, params) {
  const key = `${name}?${params}`
  if (!shared.has(key)) shared.set(key, fetchQuery(name, params))
  return shared.get(key)
}

async function fetchQuery(name, params) {
  const res = await fetch(`/api/query/${name}?${params}`)
  const body = await res.json()
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`)
  return body
}

const objects = (result) => result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])))
const toSeconds = (t) => Date.parse(`${String(t).replace(' ', 'T')}Z`) / 1000
const num = (v) => (typeof v === 'number' ? v : Number(v))

// The page's range in epoch seconds, parsed as the query catalog does (now, -15m / -1h / -7d, epoch ms, RFC 3339).
function rangeSeconds(raw, fallback) {
  const now = Date.now()
  const v = raw || fallback
  const rel = /^-(\d+)([smhd])$/.exec(v)
  if (v === 'now') return now / 1000
  if (rel) return (now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2]]) / 1000
  if (/^\d{12,14}$/.test(v)) return Number(v) / 1000
  const ms = Date.parse(/[Zz]|[+-]\d{2}:\d{2}$/.test(v) || v.length === 10 ? v : `${v.replace(' ', 'T')}Z`)
  return Number.isFinite(ms) ? ms / 1000 : null
}

// A series named by an attribute set ({"partition":"0","topic":"t"}) is labelled by its values (t 0).
function seriesLabel(name) {
  if (!name.startsWith('{')) return name || '(none)'
  try {
    return Object.values(JSON.parse(name)).reverse().join(' ') || '(none)'
  } catch {
    return name
  }
}

// An internal link keeps the page's time range.
function hrefWith(template, row) {
  const href = new URL(template.replace(/\{(\w+)\}/g, (_m, k) => encodeURIComponent(row[k] ?? '')), location.origin)
  for (const k of ['from', 'to']) if (url.searchParams.get(k) && !href.searchParams.has(k)) href.searchParams.set(k, url.searchParams.get(k))
  return href.pathname + href.search
}

function renderTable(body, result, view) {
  const columns = view.columns ?? result.columns.map((c) => c.name)
  const rows = objects(result)
  if (rows.length === 0) return body.replaceChildren(el('p', { class: 'empty' }, 'no rows in this range'))
  const head = el('tr', {}, ...columns.map((c) => el('th', {}, c)))
  const trs = rows.map((row) =>
    el('tr', {}, ...columns.map((c) => {
      const text = typeof row[c] === 'object' ? JSON.stringify(row[c]) : String(row[c])
      if (view.link && view.link.column === c) return el('td', {}, el('a', { href: hrefWith(view.link.href, row) }, text))
      return el('td', { class: /^-?\d+(\.\d+)?$/.test(text) ? 'num' : undefined, title: text.length > 80 ? text : undefined }, text.length > 120 ? `${text.slice(0, 119)}…` : text)
    })),
  )
  body.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...trs)))
}

function renderTotals(body, result, view) {
  const sums = new Map()
  for (const row of objects(result)) {
    const key = view.group.map((g) => row[g]).join('\u0000')
    sums.set(key, (sums.get(key) ?? 0) + num(row[view.sum]))
  }
  const rows = [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [...k.split('\u0000'), String(v)])
  renderTable(body, { columns: [...view.group, view.sum].map((name) => ({ name })), rows }, {})
}

// A time with no row is a gap in the line, not a straight line across it: one empty x after each jump.
function withGaps(xs) {
  const step = xs.slice(1).reduce((m, x, i) => Math.min(m, x - xs[i]), Infinity)
  if (!Number.isFinite(step)) return xs
  return xs.flatMap((x, i) => (i > 0 && x - xs[i - 1] > step * 1.5 ? [xs[i - 1] + step, x] : [x]))
}

function renderChart(panel, body, result, view) {
  const rows = objects(result)
  if (rows.length === 0) return body.replaceChildren(el('p', { class: 'empty' }, 'no data in this range'))
  const xs = withGaps([...new Set(rows.map((r) => toSeconds(r[view.x])))].sort((a, b) => a - b))
  const seriesNames = [...new Set(rows.map((r) => (view.series ? String(r[view.series]) : view.y)))].sort()
  const index = new Map(xs.map((x, i) => [x, i]))
  const data = seriesNames.map(() => xs.map(() => null))
  for (const r of rows) {
    const s = seriesNames.indexOf(view.series ? String(r[view.series]) : view.y)
    const i = index.get(toSeconds(r[view.x]))
    const v = num(r[view.y])
    data[s][i] = data[s][i] === null ? v : view.agg === 'max' ? Math.max(data[s][i], v) : data[s][i] + v
  }
  charts.get(panel.id)?.destroy()
  const width = Math.max(280, body.clientWidth || panel.clientWidth - 24)
  const opts = {
    width,
    height: 200,
    scales: { x: { time: true, range: (_u, min, max) => [rangeSeconds(url.searchParams.get('from'), '-1h') ?? min, rangeSeconds(url.searchParams.get('to'), 'now') ?? max] } },
    series: [{}, ...seriesNames.map((name, i) => ({ label: seriesLabel(name), stroke: PALETTE[i % PALETTE.length], width: 1.5, points: { show: xs.length < 3 } }))],
    axes: [{}, { size: 50, label: view.unit }],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  }
  body.replaceChildren()
  // the chart's data stays reachable for the tests: what is drawn is what the query returned
  panel.dataset.points = String(data.reduce((n, s) => n + s.filter((v) => v !== null).length, 0))
  charts.set(panel.id, new uPlot(opts, [xs, ...data], body))
  // time to first chart (ms since navigation), read by the budget measurement (npm run bench:console)
  document.body.dataset.firstChartMs ??= String(Math.round(performance.now()))
}

function renderWaterfall(body, result) {
  const spans = objects(result)
  if (spans.length === 0) return body.replaceChildren(el('p', { class: 'empty' }, 'no spans of this trace in the range'))
  const byId = new Map(spans.map((s) => [s.span_id, { ...s, children: [] }]))
  const roots = []
  for (const s of byId.values()) (byId.has(s.parent_span_id) ? byId.get(s.parent_span_id).children : roots).push(s)
  const start = spans.reduce((m, s) => (BigInt(s.start_ns) < m ? BigInt(s.start_ns) : m), BigInt(spans[0].start_ns))
  const end = spans.reduce((m, s) => (BigInt(s.start_ns) + BigInt(s.duration_ns) > m ? BigInt(s.start_ns) + BigInt(s.duration_ns) : m), 0n)
  const total = Number(end - start) || 1
  const ordered = []
  const walk = (s, depth) => {
    ordered.push([s, depth])
    for (const c of s.children.sort((a, b) => (BigInt(a.start_ns) < BigInt(b.start_ns) ? -1 : 1))) walk(c, depth + 1)
  }
  roots.sort((a, b) => (BigInt(a.start_ns) < BigInt(b.start_ns) ? -1 : 1)).forEach((r) => walk(r, 0))
  const ms = (ns) => (Number(ns) / 1e6).toFixed(3)
  const rows = ordered.map(([s, depth]) => {
    const left = (Number(BigInt(s.start_ns) - start) / total) * 100
    const width = Math.max(0.3, (Number(s.duration_ns) / total) * 100)
    const bar = el('span', { class: `bar${s.status_code === 'error' ? ' error' : ''}`, style: `left:${left}%;width:${width}%` })
    const summary = el('summary', { class: 'span-row' },
      el('span', { class: 'span-name', style: `padding-left:${depth * 14}px` }, s.name),
      el('span', { class: 'span-service' }, s.service),
      el('span', { class: 'span-track' }, bar),
      el('span', { class: 'span-ms num' }, `${ms(s.duration_ns)} ms`))
    const details = el('pre', {}, JSON.stringify({ span_id: s.span_id, parent_span_id: s.parent_span_id, kind: s.kind, status: s.status_message ? `${s.status_code}: ${s.status_message}` : s.status_code, offset_ms: ms(BigInt(s.start_ns) - start), attributes: JSON.parse(s.attributes || '{}'), events: JSON.parse(s.events || '[]'), links: JSON.parse(s.links || '[]'), resource: JSON.parse(s.resource_attributes || '{}') }, null, 2))
    return el('details', { class: 'span', 'data-span-id': s.span_id, 'data-depth': depth, 'data-duration-ms': ms(s.duration_ns) }, summary, details)
  })
  body.replaceChildren(el('p', { class: 'trace-head' }, `${spans.length} spans, ${ms(total)} ms`), ...rows)
}

const seen = new Set()
function logRow(r) {
  const sev = num(r.severity_number)
  const trace = r.trace_id ? el('a', { href: hrefWith('/traces?trace_id={trace_id}', r) }, r.trace_id.slice(0, 8)) : ''
  return el('tr', { class: sev >= 17 ? 'error' : sev >= 13 ? 'warn' : undefined, 'data-id': r.backend_id },
    el('td', { class: 'nowrap' }, r.time), el('td', {}, r.service), el('td', {}, r.severity_text || String(sev)), el('td', { class: 'body' }, r.body), el('td', {}, trace))
}

function renderLogs(body, result) {
  const rows = objects(result)
  seen.clear()
  rows.forEach((r) => seen.add(r.backend_id))
  if (rows.length === 0) return body.replaceChildren(el('p', { class: 'empty' }, 'no log records in this range'))
  const head = el('tr', {}, ...['time', 'service', 'severity', 'body', 'trace'].map((c) => el('th', {}, c)))
  body.replaceChildren(el('table', { class: 'logs' }, el('thead', {}, head), el('tbody', {}, ...rows.map(logRow))))
}

// The tail: every 2 s, the records since the newest one shown (same second included, de-duplicated).
function startTail(panel, spec) {
  let since = null
  const tick = async () => {
    const params = paramsFor(spec)
    const newest = panel.querySelector('tbody tr td')?.textContent
    since = newest ? String(toSeconds(newest) * 1000) : since ?? params.get('from') ?? '-15m'
    params.set('from', since)
    params.set('to', String(Date.now() + 60_000))
    try {
      const fresh = objects(await fetchQuery(spec.query, params)).filter((r) => !seen.has(r.backend_id))
      if (fresh.length === 0) return
      let tbody = panel.querySelector('tbody')
      if (!tbody) {
        panel.querySelector('.body').replaceChildren(el('table', { class: 'logs' }, el('tbody')))
        tbody = panel.querySelector('tbody')
      }
      fresh.forEach((r) => seen.add(r.backend_id))
      tbody.prepend(...fresh.map(logRow))
      panel.dataset.tailed = String(Number(panel.dataset.tailed ?? 0) + fresh.length)
    } catch (err) {
      status.textContent = `tail: ${err.message}`
    }
  }
  setInterval(tick, 2000)
}

async function loadPanel(panel) {
  const spec = JSON.parse(panel.dataset.spec)
  if ((spec.requires && !url.searchParams.get(spec.requires)) || (spec.unless && url.searchParams.get(spec.unless))) {
    panel.hidden = true
    return
  }
  const body = panel.querySelector('.body')
  try {
    const result = await fetchShared(spec.query, paramsFor(spec))
    panel.dataset.rows = String(result.rows.length)
    const v = spec.view
    if (v.kind === 'chart') renderChart(panel, body, result, v)
    else if (v.kind === 'totals') renderTotals(body, result, v)
    else if (v.kind === 'waterfall') renderWaterfall(body, result)
    else if (v.kind === 'logs') renderLogs(body, result)
    else renderTable(body, result, v)
    panel.dataset.state = 'loaded'
    // time to this panel drawn (ms since navigation), read by the budget measurement (npm run bench:console)
    panel.dataset.loadedMs ??= String(Math.round(performance.now()))
  } catch (err) {
    panel.dataset.state = 'error'
    body.replaceChildren(el('p', { class: 'error' }, err.message))
  }
}

async function loadAll() {
  const started = performance.now()
  shared = new Map()
  await Promise.all([...document.querySelectorAll('.panel')].map(loadPanel))
  status.textContent = `updated ${new Date().toLocaleTimeString()} in ${Math.round(performance.now() - started)} ms`
  document.body.dataset.loadedMs ??= String(Math.round(performance.now()))
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1)
}

function start() {
  void loadAll()
  const refresh = Number(url.searchParams.get('refresh') ?? 0)
  if (refresh > 0) setInterval(loadAll, refresh * 1000)
  if (url.searchParams.get('tail') === '1') {
    for (const panel of document.querySelectorAll('.panel')) {
      const spec = JSON.parse(panel.dataset.spec)
      if (spec.view.kind === 'logs' && spec.view.tail) startTail(panel, spec)
    }
  }
}

// uPlot is a classic deferred script: it has run before this module (modules are deferred too, in order)
start()
