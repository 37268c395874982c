// Cluster form of the declarations in schemas/clickhouse/*.sql (CLICKHOUSE_CLUSTER set): the same statements,
// transformed, never a second copy of the DDL.
//   CREATE TABLE t (...) ENGINE = XMergeTree ...  →  db.t_local ON CLUSTER, ENGINE = ReplicatedXMergeTree(zk path, replica)
//                                                   + db.t ON CLUSTER AS db.t_local ENGINE = Distributed(cluster, db, t_local[, key])
//   CREATE MATERIALIZED VIEW v TO t AS ... FROM s  →  db.v ON CLUSTER TO db.t_local AS ... FROM db.s_local (per shard)
// So the names the consumers insert into and the queries read (events, spans, metric_rollup_1m, ...) are the
// Distributed tables, and every shard keeps its own rows, materialized views and rollups.
//
// The sharding key of a table the consumers insert into is declared beside its ORDER BY, in a `-- @shard_key`
// comment line of its statement. It must be built only from columns of the sorting key: rows that FINAL (or a
// merge) collapses then always live on one shard, and a replayed row goes to the shard of its first copy.
// Tables only filled by materialized views need none (they are sharded like their source).

export type DdlStatement = {
  file: string
  sql: string
  shardKey?: string
  /** `-- @backfill <time column>`: fill the view's target from its source when created (backfill.ts) */
  backfill?: string
}
export type ClusterTarget = { cluster: string; database: string }

/** Identifiers were validated as plain (config: CLICKHOUSE_CLUSTER, CLICKHOUSE_DATABASE); quoted as such. */
const id = (name: string) => `\`${name}\``

export const localName = (table: string) => `${table}_local`

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)(\s*\n\()/
const ENGINE = /\nENGINE = (\w*)MergeTree(?:\(([^)]*)\))?\n/
const CREATE_MV = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\b/

export function clusterStatements(statements: DdlStatement[], target: ClusterTarget): DdlStatement[] {
  const tables = new Set(statements.map((s) => CREATE_TABLE.exec(s.sql)?.[1]).filter((t): t is string => t !== undefined))
  return statements.flatMap((s) => {
    if (CREATE_TABLE.test(s.sql)) return clusterTable(s, target)
    if (CREATE_MV.test(s.sql)) return [{ ...s, sql: clusterView(s.sql, target, tables) }]
    throw new Error(`${s.file}: no cluster form for statement "${s.sql.slice(0, 60)}..." (only CREATE TABLE and CREATE MATERIALIZED VIEW ... TO)`)
  })
}

function clusterTable(s: DdlStatement, { cluster, database }: ClusterTarget): DdlStatement[] {
  const table = CREATE_TABLE.exec(s.sql)![1]!
  const local = localName(table)
  const engine = ENGINE.exec(s.sql)
  if (!engine) throw new Error(`${s.file}: table ${table} has no *MergeTree engine line to replicate`)
  const zkPath = `'/clickhouse/tables/{shard}/${database}/${local}'`
  const args = [zkPath, `'{replica}'`, ...(engine[2]?.trim() ? [engine[2].trim()] : [])].join(', ')
  const localSql = s.sql
    .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${id(database)}.${id(local)} ON CLUSTER ${id(cluster)}$2`)
    .replace(ENGINE, `\nENGINE = Replicated${engine[1]}MergeTree(${args})\n`)
  const distArgs = [id(cluster), id(database), id(local), ...(s.shardKey ? [s.shardKey] : [])].join(', ')
  const distSql = `CREATE TABLE IF NOT EXISTS ${id(database)}.${id(table)} ON CLUSTER ${id(cluster)} AS ${id(database)}.${id(local)}\nENGINE = Distributed(${distArgs})`
  return [
    { ...s, sql: localSql },
    { file: s.file, sql: distSql },
  ]
}

function clusterView(sql: string, { cluster, database }: ClusterTarget, tables: Set<string>): string {
  const [, view, to] = CREATE_MV.exec(sql)!
  if (!tables.has(to!)) throw new Error(`materialized view ${view} writes to ${to}, which is not declared in schemas/clickhouse`)
  return sql
    .replace(CREATE_MV, `CREATE MATERIALIZED VIEW IF NOT EXISTS ${id(database)}.${id(view!)} ON CLUSTER ${id(cluster)} TO ${id(database)}.${id(localName(to!))} AS`)
    .replace(/\bFROM (\w+)\b/g, (m, source: string) => (tables.has(source) ? `FROM ${id(database)}.${id(localName(source))}` : m))
}

/** Column names a sharding key expression uses (function names and literals left out). */
export function shardKeyColumns(expr: string): string[] {
  return [...expr.replace(/'[^']*'/g, '').matchAll(/\b([A-Za-z_]\w*)\b(?!\s*\()/g)].map((m) => m[1]!)
}
