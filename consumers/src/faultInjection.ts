// Test-only crash points for the fault suite (tests/faults): with FAULT_INJECT=crash-<point>-insert:<n>
// the consumer SIGKILLs itself at that point of its n-th batch, so the suite can check exactly-once in
// each crash window. Without FAULT_INJECT (the default, and in production) the hook does nothing.
import type { FaultInjection } from '../../common/config.ts'

export type FaultPoint = FaultInjection['point']
/** Called by the loader and the writer at each crash point; returns normally unless it kills the process. */
export type FaultHook = (point: FaultPoint) => void

export const noFaults: FaultHook = () => {}

export function faultHook(spec: FaultInjection | null, log: (msg: string, fields: Record<string, unknown>) => void): FaultHook {
  if (!spec) return noFaults
  let seen = 0
  return (point) => {
    if (point !== spec.point || ++seen !== spec.nth) return
    log('fault injection: SIGKILL', { point, nth: spec.nth })
    process.kill(process.pid, 'SIGKILL')
  }
}
