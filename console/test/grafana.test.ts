// The Grafana dashboard in compose/ is the console's panels over the same shipped queries (generated; the SQL
// of every panel runs on the current engine in scripts/check_chdb.py).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GRAFANA_DATASOURCE, grafanaSql } from '../src/grafana.ts'
import { pages } from '../src/pages.ts'
import { consoleCatalog } from '../src/queries.ts'
import { dashboardFile, dashboardText } from '../../scripts/grafana-dashboard.ts'

const catalog = consoleCatalog()
type Panel = { id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ rawSql: string }> }

describe('Grafana dashboard', () => {
  const committed = readFileSync(dashboardFile, 'utf8')
  const dashboard = JSON.parse(committed) as { panels: Panel[]; templating: { list: Array<{ name: string }> } }

  it('is what npm run grafana:dashboard generates from the console pages (run it after changing a page or query)', () => {
    expect(committed).toBe(dashboardText())
  })

  it('has a panel for every console panel but the one-trace views, on the provisioned data source', () => {
    const titles = dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.title)
    const expected = pages.flatMap((p) => p.panels.filter((x) => x.requires !== 'trace_id').map((x) => x.title))
    expect(titles).toEqual(expected)
    const provisioned = readFileSync(new URL('../../compose/grafana/provisioning/datasources/clickhouse.yml', import.meta.url), 'utf8')
    expect(provisioned).toContain(`uid: ${GRAFANA_DATASOURCE.uid}`)
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.datasource?.uid).toBe(GRAFANA_DATASOURCE.uid)
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
  })

  it('binds time to the data source macros and strings through quoted variables, nothing else left', () => {
    const sql = grafanaSql(catalog.get('counter_per_minute')!, { name: "x'y" })
    expect(sql).toContain("metric_name = 'x\\'y'")
    expect(sql).toContain('time >= $__fromTime AND time < $__toTime')
    expect(sql).toContain("(${service:sqlstring} = '*' OR service = ${service:sqlstring})")
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      for (const t of p.targets!) {
        expect(t.rawSql).not.toMatch(/(?<!\$)\{\w+:\w+\}/)
        for (const v of t.rawSql.match(/\$\{(\w+)(:\w+)?\}/g) ?? []) {
          expect(v).toMatch(/:sqlstring\}$/)
          expect(dashboard.templating.list.map((x) => x.name)).toContain(/\$\{(\w+)/.exec(v)![1])
        }
      }
    }
  })
})
