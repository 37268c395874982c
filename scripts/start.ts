// npm start — the whole pipeline in the foreground: local stack (Kafka + ClickHouse), gateway, consumers.
// Ctrl-C / SIGTERM stops what this command started (services that were already running are left alone).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../common/config.ts'
import { errorMessage } from '../common/logger.ts'
import { stackReaderEnv } from '../console/src/stackCredentials.ts'

const root = new URL('../', import.meta.url).pathname
const stackScript = `${root}scripts/stack.sh`

let config
try {
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}

function stackStatus(): Record<string, boolean> {
  const out = spawnSync('bash', [stackScript, 'status'], { encoding: 'utf8' }).stdout ?? ''
  return Object.fromEntries(['kafka', 'clickhouse'].map((s) => [s, new RegExp(`^${s}\\s+running`, 'm').test(out)]))
}

const wasRunning = stackStatus()
const up = spawnSync('bash', [stackScript, 'up'], { stdio: 'inherit' })
if (up.status !== 0) {
  console.error('start: the local stack did not come up (see above)')
  process.exit(up.status ?? 1)
}

// Auth is on: without DEV_WRITE_KEY, a dev key valid for every app is made for this run and printed below.
const devKey = config.auth.devKey ?? `dev_${randomBytes(24).toString('base64url')}`
// the console reads as the stack's read-only ClickHouse user
const childEnv = { ...process.env, DEV_WRITE_KEY: devKey, ...stackReaderEnv(process.env.STACK_HOME ?? `${root}.local`) }

const children: ChildProcess[] = []
let stopping = false
function run(name: string, entry: string) {
  // process.execPath: the Node that runs this script (the project's pinned LTS under npm)
  const child = spawn(process.execPath, [`${root}${entry}`], { stdio: 'inherit', env: childEnv })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start: ${name} exited (${signal ?? code}); stopping everything`)
      void stopAll(1)
    }
  })
  children.push(child)
}

async function stopAll(exitCode: number) {
  if (stopping) return
  stopping = true
  console.error('start: stopping gateway and consumers...')
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          c.once('exit', () => resolve())
          c.kill('SIGTERM')
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref()
        }),
    ),
  )
  const startedHere = Object.entries(wasRunning).filter(([, running]) => !running).map(([s]) => s)
  for (const service of startedHere) spawnSync('bash', [stackScript, 'down', service], { stdio: 'inherit' })
  process.exit(exitCode)
}

process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

run('consumers', 'consumers/src/main.ts')
run('gateway', 'gateway/src/main.ts')
run('console', 'console/src/main.ts')

const port = config.gateway.port
console.log(`
pipeline running — gateway on http://127.0.0.1:${port}  (Ctrl-C stops it)
  write key:    export KEY=${devKey}
                (valid for every app${config.auth.devKey ? ', from DEV_WRITE_KEY' : ' while this runs; set DEV_WRITE_KEY to choose it'}; npm run keys -- create <app_id> for real ones)
  send events:  curl -sS -H "Authorization: Bearer $KEY" -H 'content-type: application/json' --data @schemas/examples/quickstart.json http://127.0.0.1:${port}/v1/batch
  see them:     npm run query -- app_events app_id=quickstart from=2026-11-25T00:00:00Z to=2026-11-26T00:00:00Z
  health:       http://127.0.0.1:${port}/healthz  /readyz  /metrics
  console:      http://${config.console.host}:${config.console.port}  (the pipeline's own traffic shows within a minute)
`)
