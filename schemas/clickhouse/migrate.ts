// Applies schemas/clickhouse/*.sql in name order. Every statement is CREATE ... IF NOT EXISTS, so running
// it again changes nothing. Used by `npm run migrate` and at consumer start. With a cluster configured
// (CLICKHOUSE_CLUSTER) the same statements are applied in their cluster form (schemas/clickhouse/cluster.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClickHouseConfig } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'
import { backfills, missingTables, runBackfill } from './backfill.ts'
import { clusterStatements, type DdlStatement } from './cluster.ts'

export const ddlDir = import.meta.dirname
/** DDL only a current engine runs (views in the OpenTelemetry exporter's schema); applied from version 24 on. */
export const currentEngineDdlDir = join(ddlDir, 'current')
const CURRENT_ENGINE_MAJOR = 24

export function ddlStatements(dir: string = ddlDir): DdlStatement[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split(/;\s*(?:\n|$)/)
        .map((chunk) => ({ sql: stripComments(chunk).trim(), shardKey: /^\s*-- @shard_key (.+)$/m.exec(chunk)?.[1]?.trim(), backfill: /^\s*-- @backfill (\w+)/m.exec(chunk)?.[1] }))
        .filter((s) => s.sql)
        .map(({ sql, shardKey, backfill }) => ({ file, sql, ...(shardKey ? { shardKey } : {}), ...(backfill ? { backfill } : {}) })),
    )
}

/** The statements migrate applies: as declared for one server, in cluster form when a cluster is configured. */
export function statementsFor(config: Pick<ClickHouseConfig, 'cluster' | 'database'>): DdlStatement[] {
  return config.cluster ? clusterStatements(ddlStatements(), { cluster: config.cluster, database: config.database }) : ddlStatements()
}

function stripComments(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
}

export async function migrate(config: ClickHouseConfig): Promise<string[]> {
  // The database name passed config validation as a plain identifier; it is quoted as one here.
  const server = createClickHouse(config, { database: null })
  try {
    const onCluster = config.cluster ? ` ON CLUSTER \`${config.cluster}\`` : ''
    await server.command({ query: `CREATE DATABASE IF NOT EXISTS \`${config.database}\`${onCluster}` })
  } finally {
    await server.close()
  }
  const db = createClickHouse(config)
  const applied: string[] = []
  try {
    const rs = await db.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
    const major = Number(((await rs.json()) as Array<{ version: string }>)[0]?.version.split('.')[0])
    // the OpenTelemetry-named views are plain views for one server; a cluster keeps the declared tables only
    const current = !config.cluster && major >= CURRENT_ENGINE_MAJOR ? ddlStatements(currentEngineDdlDir) : []
    // a rollup this run creates starts empty: filled from what its source already holds (one server; README)
    const fills = config.cluster ? [] : backfills(ddlStatements())
    const created = await missingTables(db, fills.map((f) => f.table))
    for (const { file, sql } of [...statementsFor(config), ...current]) {
      await db.command({ query: sql })
      applied.push(file)
    }
    for (const fill of fills.filter((f) => created.has(f.table))) await runBackfill(db, fill)
  } finally {
    await db.close()
  }
  return [...new Set(applied)]
}
