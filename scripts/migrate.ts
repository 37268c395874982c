// npm run migrate — create the database and tables (idempotent).
import { loadConfig } from '../common/config.ts'
import { errorMessage } from '../common/logger.ts'
import { migrate } from '../schemas/clickhouse/migrate.ts'

try {
  const config = loadConfig()
  const applied = await migrate(config.clickhouse)
  console.log(`migrated database ${config.clickhouse.database} at ${config.clickhouse.url}: ${applied.join(', ')}`)
} catch (err) {
  console.error(`migrate failed: ${errorMessage(err)}`)
  process.exit(1)
}
