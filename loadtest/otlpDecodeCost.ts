// CPU per span of turning OTLP/HTTP protobuf traces bodies into span items, the gateway's first two steps
// alone (no HTTP, validation, enrich or Kafka): the general path (protobufjs decode → otlpToItems) and the
// one-pass decoder (spansFromProtobuf.ts), on the benchmark's bodies (loadtest/otlpBodies.ts: 100 spans under
// 4 resources, 5-11 attributes a span). Each path runs in its own child process, rounds alternating, so one
// path's garbage and JIT state do not bill the other; process.cpuUsage() ÷ spans, medians.
// --compare=<checkout> adds that checkout's one-pass decoder (e.g. a `git archive` of an earlier commit).
//   npm run bench:otlp-decode -- [--rounds=5] [--requests=3000] [--compare=/path/to/other/checkout]
import { execFileSync } from 'node:child_process'
import path_ from 'node:path'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '3000' }, child: { type: 'string' }, from: { type: 'string' }, compare: { type: 'string' } } })
const REQUESTS = Number(args.requests)

if (args.child) {
  const { otlpTraceTemplate } = await import('./otlpBodies.ts')
  const { decodeProtobufRequest } = await import('../gateway/src/otlp/otlpProto.ts')
  const { otlpToItems } = await import('../gateway/src/otlp/otlpToItems.ts')
  const { spansFromProtobuf } = (await import(args.from ? `${args.from}/gateway/src/otlp/spansFromProtobuf.ts` : '../gateway/src/otlp/spansFromProtobuf.ts')) as typeof import('../gateway/src/otlp/spansFromProtobuf.ts')
  const template = otlpTraceTemplate()
  const bodies = Array.from({ length: 64 }, () => template.next())
  const map = args.child === 'one-pass' ? (b: Buffer) => spansFromProtobuf(b)!.length : (b: Buffer) => { const m = otlpToItems('traces', decodeProtobufRequest('traces', b), 0); return m.ok ? m.items.length : 0 }
  let spans = 0
  for (let i = 0; i < 300; i++) map(bodies[i % bodies.length]!) // warm-up
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < REQUESTS; i++) spans += map(bodies[i % bodies.length]!)
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(String((cpu.user + cpu.system) / spans))
  process.exit(0)
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
const runs: Record<string, number[]> = { general: [], 'one-pass': [], ...(args.compare ? { 'one-pass (compare)': [] } : {}) }
for (let r = 0; r < Number(args.rounds); r++) {
  for (const path of Object.keys(runs)) {
    const us = Number(execFileSync(process.execPath, [new URL(import.meta.url).pathname, `--child=${path === 'general' ? 'general' : 'one-pass'}`, `--requests=${REQUESTS}`, ...(path === 'one-pass (compare)' ? [`--from=${path_.resolve(args.compare!)}`] : [])], { encoding: 'utf8' }))
    runs[path]!.push(us)
    process.stderr.write(`round ${r + 1} ${path}: ${us.toFixed(2)} µs/span\n`)
  }
}
process.stdout.write(`\n| path | CPU µs per span (median) | each round |\n| --- | ---: | --- |\n`)
for (const [path, xs] of Object.entries(runs)) process.stdout.write(`| ${path} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(' / ')} |\n`)
