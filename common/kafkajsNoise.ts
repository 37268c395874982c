// kafkajs 2.2.4 (its last release) says two things on every start that look like failures and are not:
// - an error-level "Response GroupCoordinator ... The group coordinator is not available" (or "coordinator
//   load in progress") while a consumer group forms on a fresh broker: kafkajs retries it and the group
//   forms seconds later. Logged at info here.
// - Node 24's TimeoutNegativeWarning from its request queue (kafkajs issue #1751: a timer computed from an
//   unset throttle time; Node clamps it to 1 ms, which is what kafkajs meant). Dropped here, and only that.
import type { LogLevel } from './logger.ts'

const GROUP_FORMING = /group coordinator is not available|coordinator load in progress|not coordinator for group/i

/** Our log level for a kafkajs error or warning entry. */
export function levelForKafkajs(isError: boolean, entry: { message?: string; error?: unknown }): LogLevel {
  if (GROUP_FORMING.test(`${String(entry.error ?? '')} ${entry.message ?? ''}`)) return 'info'
  return isError ? 'error' : 'warn'
}

let installed = false
/** Drops Node's TimeoutNegativeWarning (kafkajs' request queue); every other warning is printed as before. */
export function dropTimeoutNegativeWarning(): void {
  if (installed) return
  installed = true
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type
    if (type === 'TimeoutNegativeWarning' || (warning instanceof Error && warning.name === 'TimeoutNegativeWarning')) return
    emitWarning(warning, ...rest)
  }) as typeof process.emitWarning
}
