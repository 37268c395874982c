import { EventEmitter } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { supervise, waitUntilReady, type SupervisedPart } from '../start/supervisor.ts'

// A child process stand-in: exit() plays a crash; kill() (SIGTERM from stop) exits it like a clean stop.
class FakeChild extends EventEmitter {
  static next = 100
  pid = FakeChild.next++
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  signals: string[] = []
  exit(code: number | null, signal: NodeJS.Signals | null = null) {
    this.exitCode = code
    this.signalCode = signal
    this.emit('exit', code, signal)
  }
  kill(signal: NodeJS.Signals) {
    this.signals.push(signal)
    if (this.exitCode === null && this.signalCode === null) this.exit(0)
    return true
  }
}

const parts: SupervisedPart[] = [
  { name: 'consumers', entry: 'consumers/src/main.ts' },
  { name: 'gateway', entry: 'gateway/src/main.ts' },
]

function harness(extra: { crashLoopExits?: number } = {}) {
  const spawned: Record<string, FakeChild[]> = { consumers: [], gateway: [] }
  const said: string[] = []
  const onAllGaveUp = vi.fn()
  const sup = supervise(parts, {
    spawnPart: (p) => {
      const c = new FakeChild()
      spawned[p.name]!.push(c)
      return c as unknown as ChildProcess
    },
    say: (l) => said.push(l),
    backoffStartMs: 500,
    backoffMaxMs: 4000,
    crashLoopWindowMs: 60_000,
    onAllGaveUp,
    ...extra,
  })
  const last = (name: string) => spawned[name]!.at(-1)!
  return { sup, spawned, said, onAllGaveUp, last }
}

describe('supervise', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('restarts a part that was killed, after a delay that doubles, and leaves the other part alone', () => {
    const h = harness()
    const gateway = h.last('gateway')
    h.last('consumers').exit(null, 'SIGKILL')
    expect(h.said.at(-1)).toBe('start: consumers exited (SIGKILL); restarting it in 0.5 s (exit 1 of 5 allowed within 60 s)')
    expect(h.spawned.consumers).toHaveLength(1)
    vi.advanceTimersByTime(499)
    expect(h.spawned.consumers).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(h.spawned.consumers).toHaveLength(2)
    h.last('consumers').exit(1)
    expect(h.said.at(-1)).toContain('restarting it in 1.0 s (exit 2 of 5')
    vi.advanceTimersByTime(1000)
    expect(h.spawned.consumers).toHaveLength(3)
    // the gateway was never touched
    expect(h.spawned.gateway).toEqual([gateway])
    expect(gateway.signals).toEqual([])
    expect(h.sup.pids()).toEqual({ consumers: h.last('consumers').pid, gateway: gateway.pid })
  })

  it('gives up on a part only after a crash loop, says so, and keeps the others running', () => {
    const h = harness({ crashLoopExits: 3 })
    for (let i = 0; i < 3; i++) {
      h.last('gateway').exit(1)
      vi.advanceTimersByTime(10_000)
    }
    expect(h.spawned.gateway).toHaveLength(3)
    expect(h.said.at(-1)).toBe('start: gateway exited (code 1) 3 times within 60 s: a crash loop, not restarting it (see its log above); the other parts keep running, Ctrl-C stops them')
    expect(h.sup.gaveUp()).toEqual(['gateway'])
    expect(h.onAllGaveUp).not.toHaveBeenCalled()
    expect(h.last('consumers').signals).toEqual([])
  })

  it('counts only the exits within the window: a part crashing now and then is always restarted', () => {
    const h = harness({ crashLoopExits: 3 })
    for (let i = 0; i < 6; i++) {
      h.last('consumers').exit(null, 'SIGKILL')
      vi.advanceTimersByTime(40_000)
    }
    expect(h.spawned.consumers).toHaveLength(7)
    expect(h.sup.gaveUp()).toEqual([])
  })

  it('calls onAllGaveUp when every part is in a crash loop', () => {
    const h = harness({ crashLoopExits: 2 })
    for (let i = 0; i < 2; i++) {
      h.last('gateway').exit(1)
      h.last('consumers').exit(1)
      vi.advanceTimersByTime(5_000)
    }
    expect(h.onAllGaveUp).toHaveBeenCalledTimes(1)
  })

  it('stop() terminates every running part, cancels a pending restart and restarts nothing', async () => {
    const h = harness()
    h.last('consumers').exit(null, 'SIGKILL')
    const gateway = h.last('gateway')
    await h.sup.stop()
    expect(gateway.signals).toEqual(['SIGTERM'])
    vi.advanceTimersByTime(60_000)
    expect(h.spawned.consumers).toHaveLength(1)
    expect(h.spawned.gateway).toHaveLength(1)
  })
})

describe('waitUntilReady', () => {
  it('resolves only once every probe answered true; a throwing probe counts as not ready', async () => {
    let calls = 0
    const order: string[] = []
    await waitUntilReady(
      [
        { name: 'a', entry: 'a', ready: async () => { calls++; if (calls < 3) throw new Error('refused'); order.push('a'); return true } },
        { name: 'b', entry: 'b' },
      ],
      { everyMs: 1 },
    )
    expect(calls).toBe(3)
    expect(order).toEqual(['a'])
  })
})
