// node loadtest/profileSummary.ts <file.cpuprofile> [top]
// Summarizes a V8 CPU profile (from `npm run bench -- --profile`): self time of the top functions and
// inclusive time per module, as shares of all samples (idle included). `summarizeProfile` is what the
// bench uses to print, under each missed target, the profile of the process behind it.
import { readFileSync } from 'node:fs'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
export type ProfileSummary = {
  file: string
  /** which part of the pipeline ran in the process: the source directory with the most self time */
  role: 'gateway' | 'consumer' | 'other'
  totalMs: number
  /** samples not idle */
  busyMs: number
  /** top functions by self time, shares of busy time */
  self: Array<{ name: string; share: number }>
  /** inclusive time per module, shares of busy time */
  modules: Array<{ name: string; share: number }>
}

const short = (url: string) => url.replace(/.*node_modules\//, '').replace(/^file:\/\/.*?\/(gateway|consumers|common|schemas|loadtest)\//, '$1/')

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const timeById = new Map<number, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    timeById.set(id, (timeById.get(id) ?? 0) + dt)
    total += dt
  })
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let idle = 0
  let gatewaySelf = 0
  let consumerSelf = 0
  for (const [id, t] of timeById) {
    const n = byId.get(id)!
    if (n.callFrame.functionName === '(idle)') idle += t
    if (n.callFrame.url.includes('/gateway/src/')) gatewaySelf += t
    if (n.callFrame.url.includes('/consumers/src/')) consumerSelf += t
    const key = `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + t)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const mod = short(byId.get(cur)!.callFrame.url).split('/').slice(0, 2).join('/') || '(vm)'
      if (!seen.has(mod)) {
        seen.add(mod)
        inclusive.set(mod, (inclusive.get(mod) ?? 0) + t)
      }
    }
  }
  const busy = Math.max(1, total - idle)
  const ranked = (m: Map<string, number>, skip: (k: string) => boolean) =>
    [...m].filter(([k]) => !skip(k)).sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, t]) => ({ name, share: t / busy }))
  return {
    file,
    role: gatewaySelf === 0 && consumerSelf === 0 ? 'other' : gatewaySelf >= consumerSelf ? 'gateway' : 'consumer',
    totalMs: total / 1000,
    busyMs: busy / 1000,
    self: ranked(self, (k) => k.startsWith('(idle)')),
    modules: ranked(inclusive, (k) => k === '(vm)'),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg] = process.argv.slice(2)
  if (!file) {
    console.error('usage: node loadtest/profileSummary.ts <file.cpuprofile> [top]')
    process.exit(2)
  }
  const s = summarizeProfile(file, Number(topArg ?? 20))
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`
  console.log(`${s.role} process; busy ${Math.round(s.busyMs)} of ${Math.round(s.totalMs)} ms sampled (shares below are of the busy time)`)
  console.log('self time, top functions')
  for (const f of s.self) console.log(`${pct(f.share)}  ${f.name}`)
  console.log('\ninclusive time per module')
  for (const m of s.modules) console.log(`${pct(m.share)}  ${m.name}`)
}
