// ClickHouse client construction, shared by consumers, migrations and the query CLI.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import type { ClickHouseConfig } from './config.ts'

export function createClickHouse(config: ClickHouseConfig, opts: { database?: string | null } = {}): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.user,
    password: config.password,
    // null: no database (used to create it); default: the configured one
    ...(opts.database === null ? {} : { database: opts.database ?? config.database }),
    request_timeout: 60_000,
    application: 'telemetry-ingest',
    // errors are thrown to the caller, which logs them once in our JSON format
    log: { level: ClickHouseLogLevel.OFF },
  })
}
