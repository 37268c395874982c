import { describe, expect, it } from 'vitest'
import { clusterStatements, shardKeyColumns } from '../clickhouse/cluster.ts'
import { ddlStatements, statementsFor } from '../clickhouse/migrate.ts'
import { telemetryTypes } from '../telemetryTypes.ts'

const target = { cluster: 'telemetry', database: 'telemetry' }
const cluster = statementsFor({ cluster: 'telemetry', database: 'telemetry' })
const tableSql = (name: string) => ddlStatements().find((s) => new RegExp(`^CREATE TABLE IF NOT EXISTS ${name}\\b`).test(s.sql))!

describe('cluster form of the DDL (CLICKHOUSE_CLUSTER)', () => {
  it('without a cluster, migrate applies the declarations exactly as written', () => {
    expect(statementsFor({ cluster: undefined, database: 'telemetry' })).toEqual(ddlStatements())
    for (const { sql } of ddlStatements()) expect(sql).not.toMatch(/ON CLUSTER|Replicated|Distributed|@shard_key/)
  })

  it('every table becomes a replicated local table and a Distributed table of the same name, on the cluster', () => {
    const tables = ddlStatements().flatMap((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s.sql)?.[1] ?? [])
    expect(tables).toEqual(['events', 'spans', 'spans_by_trace', 'metric_points', 'metric_rollup_1m', 'logs', 'events_rollup_1m'])
    for (const t of tables) {
      const local = cluster.find((s) => s.sql.startsWith(`CREATE TABLE IF NOT EXISTS \`telemetry\`.\`${t}_local\` ON CLUSTER \`telemetry\`\n(`))
      expect(local?.sql).toMatch(new RegExp(`\\nENGINE = Replicated(Replacing|Aggregating)MergeTree\\('/clickhouse/tables/\\{shard\\}/telemetry/${t}_local', '\\{replica\\}'\\)\\n`))
      const dist = cluster.find((s) => s.sql.startsWith(`CREATE TABLE IF NOT EXISTS \`telemetry\`.\`${t}\` ON CLUSTER`))
      expect(dist?.sql).toContain(`AS \`telemetry\`.\`${t}_local\`\nENGINE = Distributed(\`telemetry\`, \`telemetry\`, \`${t}_local\``)
    }
    expect(cluster.every((s) => s.sql.includes(' ON CLUSTER `telemetry`'))).toBe(true)
  })

  it('the tables the consumers insert into are sharded by a key of their sorting-key columns (a replayed row meets its first copy)', () => {
    const inserted = telemetryTypes.map((t) => t.table.name) // the registry holds every type, the generic event first
    expect(inserted).toEqual(['events', 'spans', 'metric_points', 'logs'])
    for (const table of inserted) {
      const { shardKey, sql } = tableSql(table)
      expect(shardKey, table).toBeTruthy()
      const orderBy = /\nORDER BY (.+)\n/.exec(sql)![1]!
      for (const column of shardKeyColumns(shardKey!)) expect(orderBy, `${table}: ${column}`).toMatch(new RegExp(`\\b${column}\\b`))
      expect(cluster.find((s) => s.sql.includes(`\`${table}_local\`, ${shardKey})`)), table).toBeTruthy()
    }
  })

  it('materialized views run per shard: they read and write the local tables', () => {
    const views = cluster.filter((s) => s.sql.startsWith('CREATE MATERIALIZED VIEW'))
    expect(views.map((v) => /`(\w+_mv)`/.exec(v.sql)![1])).toEqual(['spans_by_trace_mv', 'metric_rollup_1m_mv', 'events_rollup_1m_mv'])
    expect(views[0]!.sql).toMatch(/ TO `telemetry`.`spans_by_trace_local` AS\n[\s\S]*\nFROM `telemetry`.`spans_local`$/)
    expect(views[1]!.sql).toMatch(/ TO `telemetry`.`metric_rollup_1m_local` AS\n[\s\S]*\nFROM `telemetry`.`metric_points_local`\nGROUP BY/)
    // events are sharded by backend_id, so a resent or replayed event meets its first copy's set on one shard
    expect(views[2]!.sql).toMatch(/ TO `telemetry`.`events_rollup_1m_local` AS\n[\s\S]*\nFROM `telemetry`.`events_local`\nGROUP BY/)
  })

  it('keeps engine parameters after the replication ones, and refuses what it cannot transform', () => {
    const [local] = clusterStatements([{ file: 'x.sql', sql: 'CREATE TABLE IF NOT EXISTS t\n(a UInt8, v UInt32)\nENGINE = ReplacingMergeTree(v)\nORDER BY a' }], target)
    expect(local!.sql).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/telemetry/t_local', '{replica}', v)\n")
    expect(() => clusterStatements([{ file: 'x.sql', sql: 'CREATE VIEW IF NOT EXISTS v AS SELECT 1' }], target)).toThrow(/no cluster form/)
    expect(() => clusterStatements([{ file: 'x.sql', sql: 'CREATE TABLE IF NOT EXISTS t\n(a UInt8)\nENGINE = Memory' }], target)).toThrow(/MergeTree/)
  })

  it('reads the columns of a sharding key', () => {
    expect(shardKeyColumns("cityHash64(metric_name, toString(backend_id), 'x y')")).toEqual(['metric_name', 'backend_id'])
  })
})
