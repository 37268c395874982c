// What each gateway worker is started with (common/workers.ts forks them) to keep its memory small: V8's
// young generation, how far V8 lets the old generation grow past the live data before a full GC, and how
// many malloc arenas glibc may create. Measured in loadtest/README.md ("Gateway memory").
import type { Config } from '../../common/config.ts'
import type { WorkerSetup } from '../../common/workers.ts'

export function gatewayWorkerSetup(gateway: Config['gateway']): WorkerSetup {
  const flags: string[] = []
  const env: Record<string, string> = {}
  // each request's garbage is short-lived: small semi-spaces cost no measurable CPU per event
  if (gateway.workerSemiSpaceMb > 0) flags.push(`--max-semi-space-size=${gateway.workerSemiSpaceMb}`)
  // V8 otherwise lets the old generation reach 2-4× the live data before collecting it
  if (gateway.workerHeapGrowingPercent > 0) flags.push(`--heap-growing-percent=${gateway.workerHeapGrowingPercent}`)
  // glibc reads it once at process start (so in the fork's environment); by default it allows 8 arenas per core
  if (gateway.workerMallocArenaMax > 0) env.MALLOC_ARENA_MAX = String(gateway.workerMallocArenaMax)
  return { flags, env }
}
