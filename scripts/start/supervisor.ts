// Supervision for `npm start`: each part (gateway, consumers, ...) runs as a child process; one that exits
// while we are not stopping is restarted after a growing delay. Only a crash loop (too many exits within a
// window) makes us give up on that part, and the others keep running: the gateway keeps accepting into Kafka
// while the loader is down, and the consumers keep draining Kafka while the gateway is down.
import type { ChildProcess } from 'node:child_process'

export type SupervisedPart = {
  /** what the messages call it: `gateway`, `consumers`, `console` */
  name: string
  /** the script to run with this Node, relative to the repository root */
  entry: string
  /** answers true once the part serves (e.g. its /readyz is 200); the banner waits for every part's probe */
  ready?: () => Promise<boolean>
  /** lines the `npm start` banner prints for this part (where to reach it) */
  banner?: string[]
}

export type SupervisorOptions = {
  spawnPart: (part: SupervisedPart) => ChildProcess
  say: (line: string) => void
  /** first restart delay; doubled per recent crash up to backoffMaxMs */
  backoffStartMs?: number
  backoffMaxMs?: number
  /** this many exits within crashLoopWindowMs is a crash loop: the part is not restarted again */
  crashLoopExits?: number
  crashLoopWindowMs?: number
  /** called when no part is left running (every one gave up) */
  onAllGaveUp?: () => void
  now?: () => number
}

export type Supervisor = {
  /** SIGTERM every running part (SIGKILL after killAfterMs), resolved once all have exited */
  stop: (killAfterMs?: number) => Promise<void>
  /** the current process id of each running part */
  pids: () => Record<string, number | undefined>
  /** parts given up on after a crash loop */
  gaveUp: () => string[]
}

type PartState = { part: SupervisedPart; child: ChildProcess | null; exits: number[]; restartTimer: NodeJS.Timeout | null; gaveUp: boolean }

export function supervise(parts: SupervisedPart[], opts: SupervisorOptions): Supervisor {
  const backoffStartMs = opts.backoffStartMs ?? 500
  const backoffMaxMs = opts.backoffMaxMs ?? 15_000
  const crashLoopExits = opts.crashLoopExits ?? 5
  const windowMs = opts.crashLoopWindowMs ?? 60_000
  const now = opts.now ?? Date.now
  let stopping = false
  const states = parts.map((part): PartState => ({ part, child: null, exits: [], restartTimer: null, gaveUp: false }))

  const start = (s: PartState) => {
    s.restartTimer = null
    const child = opts.spawnPart(s.part)
    s.child = child
    child.once('exit', (code, signal) => onExit(s, child, code, signal))
  }

  const onExit = (s: PartState, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => {
    if (s.child === child) s.child = null
    if (stopping) return
    const t = now()
    s.exits = [...s.exits.filter((e) => t - e < windowMs), t]
    const how = signal ?? `code ${code}`
    if (s.exits.length >= crashLoopExits) {
      s.gaveUp = true
      opts.say(`start: ${s.part.name} exited (${how}) ${s.exits.length} times within ${windowMs / 1000} s: a crash loop, not restarting it (see its log above)` +
        (states.some((o) => !o.gaveUp) ? '; the other parts keep running, Ctrl-C stops them' : ''))
      if (states.every((o) => o.gaveUp)) opts.onAllGaveUp?.()
      return
    }
    const delay = Math.min(backoffStartMs * 2 ** (s.exits.length - 1), backoffMaxMs)
    opts.say(`start: ${s.part.name} exited (${how}); restarting it in ${(delay / 1000).toFixed(1)} s (exit ${s.exits.length} of ${crashLoopExits} allowed within ${windowMs / 1000} s)`)
    s.restartTimer = setTimeout(() => start(s), delay)
  }

  for (const s of states) start(s)

  return {
    async stop(killAfterMs = 15_000) {
      stopping = true
      for (const s of states) if (s.restartTimer) clearTimeout(s.restartTimer)
      await Promise.all(states.map((s) => s.child).filter((c): c is ChildProcess => c !== null).map((c) => stopChild(c, killAfterMs)))
    },
    pids: () => Object.fromEntries(states.map((s) => [s.part.name, s.child?.pid])),
    gaveUp: () => states.filter((s) => s.gaveUp).map((s) => s.part.name),
  }
}

function stopChild(child: ChildProcess, killAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref()
  })
}

/** Resolves once every part's readiness probe answers true (probes that throw count as not yet). */
export async function waitUntilReady(parts: SupervisedPart[], opts: { everyMs?: number; isStopping?: () => boolean } = {}): Promise<void> {
  const pending = parts.filter((p) => p.ready)
  while (pending.length > 0) {
    if (opts.isStopping?.()) return
    for (const p of [...pending]) {
      if (await p.ready!().catch(() => false)) pending.splice(pending.indexOf(p), 1)
    }
    if (pending.length > 0) await new Promise((r) => setTimeout(r, opts.everyMs ?? 250))
  }
}
