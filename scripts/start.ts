// npm start — the whole pipeline in the foreground: local stack (Kafka + ClickHouse), then the supervised
// parts (gateway, consumers). A part that crashes is restarted with backoff (scripts/start/supervisor.ts);
// the others keep running meanwhile. Ctrl-C / SIGTERM stops what this command started (services that were
// already running are left alone).
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../common/config.ts'
import { errorMessage } from '../common/logger.ts'
import { stackKafkaBrokers } from './stackKafka.ts'
import { supervise, waitUntilReady, type SupervisedPart } from './start/supervisor.ts'
import { stackReaderEnv } from '../console/src/stackCredentials.ts'

const root = new URL('../', import.meta.url).pathname
const stackScript = `${root}scripts/stack.sh`

let config
try {
  // STACK_KAFKA_BROKERS=3: the gateway and consumers bootstrap from every node of the local cluster
  process.env.KAFKA_BROKERS ||= stackKafkaBrokers().join(',')
  config = loadConfig()
} catch (err) {
  console.error(errorMessage(err))
  process.exit(2)
}

function stackStatus(): Record<string, boolean> {
  const out = spawnSync('bash', [stackScript, 'status'], { encoding: 'utf8' }).stdout ?? ''
  return Object.fromEntries(['kafka', 'clickhouse'].map((s) => [s, new RegExp(`^${s}(-1)?\\s+running`, 'm').test(out)]))
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
const port = config.gateway.port
const gatewayUrl = `http://127.0.0.1:${port}`
const consoleUrl = `http://${config.console.host}:${config.console.port}`

// The supervised parts, started in this order; a new part is one more entry here.
const parts: SupervisedPart[] = [
  { name: 'consumers', entry: 'consumers/src/main.ts' },
  {
    name: 'gateway',
    entry: 'gateway/src/main.ts',
    ready: async () => (await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200,
    banner: [
      `gateway:      ${gatewayUrl}`,
      `  write key:    export KEY=${devKey}`,
      `                (valid for every app${config.auth.devKey ? ', from DEV_WRITE_KEY' : ' while this runs; set DEV_WRITE_KEY to choose it'}; npm run keys -- create <app_id> for real ones)`,
      `  send events:  curl -sS -H "Authorization: Bearer $KEY" -H 'content-type: application/json' --data @schemas/examples/quickstart.json ${gatewayUrl}/v1/batch`,
      `  see them:     npm run query -- app_events app_id=quickstart`,
      `  health:       ${gatewayUrl}/healthz  /readyz  /metrics`,
    ],
  },
  {
    name: 'console',
    entry: 'console/src/main.ts',
    ready: async () => (await fetch(`${consoleUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200,
    banner: [`console:      ${consoleUrl}  (the pipeline's own traffic shows within a minute)`],
  },
]

let stopping = false
const supervisor = supervise(parts, {
  // process.execPath: the Node that runs this script (the project's pinned LTS under npm)
  spawnPart: (part) => {
    const child = spawn(process.execPath, [`${root}${part.entry}`], { stdio: 'inherit', env: childEnv })
    console.error(`start: ${part.name} running (pid ${child.pid})`)
    return child
  },
  say: (line) => console.error(line),
  onAllGaveUp: () => void stopAll(1),
})

async function stopAll(exitCode: number) {
  if (stopping) return
  stopping = true
  console.error(`start: stopping ${parts.map((p) => p.name).join(' and ')}...`)
  await supervisor.stop()
  const startedHere = Object.entries(wasRunning).filter(([, running]) => !running).map(([s]) => s)
  for (const service of startedHere) spawnSync('bash', [stackScript, 'down', service], { stdio: 'inherit' })
  process.exit(exitCode)
}

process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

// The banner only once every part answers (a curl right after it must not be refused).
await waitUntilReady(parts, { isStopping: () => stopping })
if (!stopping) {
  console.log(`\npipeline running (Ctrl-C stops it)\n${parts.flatMap((p) => p.banner ?? []).map((l) => `  ${l}`).join('\n')}\n`)
}
