// Applies schemas/clickhouse/*.sql in name order. Every statement is CREATE ... IF NOT EXISTS, so running
// it again changes nothing. Used by `npm run migrate` and at consumer start.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClickHouseConfig } from '../../common/config.ts'
import { createClickHouse } from '../../common/clickhouse.ts'

export const ddlDir = import.meta.dirname
/** DDL only a current engine runs (views in the OpenTelemetry exporter's schema); applied from version 24 on. */
export const currentEngineDdlDir = join(ddlDir, 'current')
const CURRENT_ENGINE_MAJOR = 24

export function ddlStatements(dir: string = ddlDir): { file: string; sql: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split(/;\s*(?:\n|$)/)
        .map((s) => stripComments(s).trim())
        .filter(Boolean)
        .map((sql) => ({ file, sql })),
    )
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
    await server.command({ query: `CREATE DATABASE IF NOT EXISTS \`${config.database}\`` })
  } finally {
    await server.close()
  }
  const db = createClickHouse(config)
  const applied: string[] = []
  try {
    const rs = await db.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
    const major = Number(((await rs.json()) as Array<{ version: string }>)[0]?.version.split('.')[0])
    const statements = [...ddlStatements(), ...(major >= CURRENT_ENGINE_MAJOR ? ddlStatements(currentEngineDdlDir) : [])]
    for (const { file, sql } of statements) {
      await db.command({ query: sql })
      applied.push(file)
    }
  } finally {
    await db.close()
  }
  return [...new Set(applied)]
}
