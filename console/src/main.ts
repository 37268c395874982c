// npm run console — the web console: reads ClickHouse as the query (read-only) user through the shipped
// query catalog. 127.0.0.1:8088 by default (CONSOLE_HOST / CONSOLE_PORT); CONSOLE_TOKEN required elsewhere.
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { loadConfig, type Config } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { createLogger, errorMessage, type Logger } from '../../common/logger.ts'
import { checkAccessConfig } from './access.ts'
import { createConsoleApp } from './app.ts'
import { clickHouseRunner } from './queries.ts'

export type RunningConsole = { url: string; port: number; stop: () => Promise<void> }

export async function startConsole(config: Config, log: Logger): Promise<RunningConsole> {
  checkAccessConfig(config.console)
  const client = createClickHouse(config.clickhouseQuery)
  const app = createConsoleApp({ runQuery: clickHouseRunner(client), token: config.console.token, onError: log.warn })
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.console.host, port: config.console.port }, () => resolve(s as Server)) as Server
  })
  const port = (server.address() as AddressInfo).port
  const host = config.console.host.includes(':') ? `[${config.console.host}]` : config.console.host
  const url = `http://${host}:${port}`
  log.info('console listening', { url, clickhouse: config.clickhouseQuery.url, user: config.clickhouseQuery.user, database: config.clickhouseQuery.database, token_required: config.console.token !== undefined })
  return {
    url,
    port,
    async stop() {
      // browsers keep connections open (keep-alive, auto-refresh): close them so a stop does not wait on them
      const closed = new Promise<void>((r) => server.close(() => r()))
      server.closeIdleConnections()
      await Promise.race([closed, new Promise<void>((r) => setTimeout(r, 2_000).unref())])
      server.closeAllConnections()
      await client.close()
    },
  }
}

if (import.meta.main) {
  let config
  try {
    config = loadConfig()
    checkAccessConfig(config.console)
  } catch (err) {
    console.error(errorMessage(err))
    process.exit(2)
  }
  const log = createLogger('console', config.log.level)
  const running = await startConsole(config, log)
  console.log(`console on ${running.url}`)
  const stop = () => void running.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
