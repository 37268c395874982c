// CPU seconds and peak RSS of processes, from /proc (Linux). For our own children the kernel's peak-RSS
// counter (VmHWM) is reset at the start of a scenario (`echo 5 > /proc/PID/clear_refs`), so the peak is
// exact per scenario; processes we do not own (Kafka, ClickHouse) are only sampled every 200 ms.
import { readFileSync, writeFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // getconf CLK_TCK on Linux x86-64 / arm64

export type ProcFigures = { name: string; pids: number[]; cpuSeconds: number; peakRssMb: number; peakRssMbPerProcess: number }

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), counted from state = 3)
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** The process and its descendants (cluster workers). */
export function processTree(pid: number): number[] {
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/)) if (tid) out.push(Number(tid))
    } catch {
      /* gone */
    }
  }
  return out
}

export type Watched = { name: string; pid: () => number | undefined; owned: boolean }

/** Watches a set of processes over one scenario. */
export function watchProcesses(targets: Watched[]) {
  type State = { startTicks: Map<number, number>; lastTicks: Map<number, number>; peakKb: Map<number, number> }
  const states = new Map<string, State>()
  for (const t of targets) {
    const st: State = { startTicks: new Map(), lastTicks: new Map(), peakKb: new Map() }
    states.set(t.name, st)
    const root = t.pid()
    if (root === undefined) continue
    for (const pid of processTree(root)) {
      st.startTicks.set(pid, cpuTicks(pid))
      if (t.owned) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5')
        } catch {
          /* not permitted: sampling only */
        }
      }
    }
  }
  const sample = () => {
    for (const t of targets) {
      const root = t.pid()
      if (root === undefined) continue
      const st = states.get(t.name)!
      for (const pid of processTree(root)) {
        if (!st.startTicks.has(pid)) st.startTicks.set(pid, 0) // a worker born during the scenario
        st.lastTicks.set(pid, cpuTicks(pid))
        const kb = Math.max(statusKb(pid, 'VmRSS'), t.owned ? statusKb(pid, 'VmHWM') : 0)
        st.peakKb.set(pid, Math.max(st.peakKb.get(pid) ?? 0, kb))
      }
    }
  }
  sample()
  const timer = setInterval(sample, 200)
  return {
    stop(): ProcFigures[] {
      clearInterval(timer)
      sample()
      return targets.map((t) => {
        const st = states.get(t.name)!
        let ticks = 0
        for (const [pid, start] of st.startTicks) ticks += (st.lastTicks.get(pid) ?? start) - start
        const peaks = [...st.peakKb.values()]
        return {
          name: t.name,
          pids: [...st.peakKb.keys()],
          cpuSeconds: round(ticks / TICKS_PER_SECOND, 2),
          peakRssMb: round(peaks.reduce((a, b) => a + b, 0) / 1024, 1),
          peakRssMbPerProcess: round(Math.max(0, ...peaks) / 1024, 1),
        }
      })
    },
  }
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
