// node loadtest/profileSummary.ts <file.cpuprofile> [top]
// Summarizes a V8 CPU profile (from `npm run bench -- --profile`): self time of the top functions and
// inclusive time per module, as shares of all samples (idle included).
import { readFileSync } from 'node:fs'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: node loadtest/profileSummary.ts <file.cpuprofile> [top]')
  process.exit(2)
}
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
const short = (url: string) => url.replace(/.*node_modules\//, '').replace(/^file:\/\/.*?\/(gateway|consumers|common|schemas|loadtest)\//, '$1/')
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, t] of timeById) {
  const n = byId.get(id)!
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
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`
const top = Number(topArg ?? 20)
console.log('self time, top functions')
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`)
console.log('\ninclusive time per module')
for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`)
