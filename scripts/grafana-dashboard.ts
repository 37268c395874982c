// npm run grafana:dashboard — writes compose/grafana/dashboards/telemetry.json from the console's pages and the
// shipped queries (console/src/grafana.ts). A unit test fails when the committed file is not this output.
import { writeFileSync } from 'node:fs'
import { grafanaDashboard } from '../console/src/grafana.ts'
import { consoleCatalog } from '../console/src/queries.ts'

export const dashboardFile = new URL('../compose/grafana/dashboards/telemetry.json', import.meta.url).pathname
export const dashboardText = () => `${JSON.stringify(grafanaDashboard(consoleCatalog()), null, 2)}\n`

if (import.meta.main) {
  writeFileSync(dashboardFile, dashboardText())
  console.log(`wrote ${dashboardFile}`)
}
