// npm run migrate — create the database and tables (idempotent).
// --print: only print the statements it would apply for this configuration (CLICKHOUSE_CLUSTER chooses the
// cluster form), as a JSON array of { file, sql, shardKey? }, without connecting (scripts/check_chdb.py).
import { loadConfig } from '../common/config.ts'
import { errorMessage } from '../common/logger.ts'
import { migrate, statementsFor } from '../schemas/clickhouse/migrate.ts'

try {
  const config = loadConfig()
  if (process.argv.includes('--print')) {
    console.log(JSON.stringify(statementsFor(config.clickhouse), null, 1))
  } else {
    const applied = await migrate(config.clickhouse)
    console.log(`migrated database ${config.clickhouse.database} at ${config.clickhouse.url}${config.clickhouse.cluster ? ` on cluster ${config.clickhouse.cluster}` : ''}: ${applied.join(', ')}`)
  }
} catch (err) {
  console.error(`migrate failed: ${errorMessage(err)}`)
  process.exit(1)
}
