// The local stack's read-only ClickHouse user (scripts/stack.sh writes it to <STACK_HOME>/clickhouse/credentials.env),
// so `npm start` runs the console as telemetry_reader. Variables already set in the environment win.
import { existsSync, readFileSync } from 'node:fs'

export function stackReaderEnv(stackHome: string, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const file = `${stackHome}/clickhouse/credentials.env`
  if (env.CLICKHOUSE_QUERY_USER || !existsSync(file)) return {}
  const vars = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => /^(CLICKHOUSE_QUERY_USER|CLICKHOUSE_QUERY_PASSWORD)=(.*)$/.exec(l.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!.replace(/^['"]|['"]$/g, '')]),
  )
  return vars.CLICKHOUSE_QUERY_USER ? vars : {}
}
