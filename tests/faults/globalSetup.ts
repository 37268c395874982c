// The fault suite's own Kafka + ClickHouse (see harness.ts: separate STACK_HOME and ports). Started here
// (idempotent: an already running fault stack is reused) and stopped when the suite ends, unless
// FAULTS_KEEP_STACK=1 (handy while iterating on one scenario).
import { kafkaPid, stack } from './stack.ts'

export async function setup() {
  process.stdout.write(await stack('up'))
  return async () => {
    if (process.env.FAULTS_KEEP_STACK === '1') return
    // a broker left frozen by a failed scenario must resume to stop cleanly
    try {
      process.kill(kafkaPid(), 'SIGCONT')
    } catch {
      // not running
    }
    process.stdout.write(await stack('down'))
  }
}
