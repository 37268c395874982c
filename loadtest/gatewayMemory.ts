// Peak RSS of one gateway worker at the maximum rate and under 2× overload, for one or more checkouts of the
// gateway (A/B in one sitting, e.g. an export of an older commit against this one). Each variant: a gateway
// with GATEWAY_WORKERS=1 (one process: its RSS is the worker's) against the running stack, driven by
// autocannon with the bench's 100-event bodies: MAX seconds closed-loop at 32 connections (the maximum
// rate), then OVERLOAD seconds at twice that rate (open loop, 128 connections; admission control answers
// the excess 503). Reports peak RSS (VmHWM, reset between phases), the V8 heap at the end of each phase
// and the gateway's CPU µs per acknowledged event.
// A variant is a checkout and optional Node/V8 flags and NAME=value environment for the gateway:
// GATEWAY_MEMORY_VARIANTS, separated by ';'.
//   GATEWAY_MEMORY_VARIANTS='/path/a;/path/b --max-semi-space-size=8' npm run bench:gateway-memory
//   (default: this checkout, no flags)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { bodyPool } from './generator.ts'

const env = process.env
const variants = (env.GATEWAY_MEMORY_VARIANTS ?? new URL('..', import.meta.url).pathname).split(';').map((v) => v.trim().split(/\s+/))
const MAX_S = Number(env.GATEWAY_MEMORY_MAX_S ?? 15)
const OVERLOAD_S = Number(env.GATEWAY_MEMORY_OVERLOAD_S ?? 15)
const port = Number(env.GATEWAY_MEMORY_PORT ?? 27080)
const key = `mem-${randomBytes(8).toString('hex')}`
const pool = bodyPool({ batchSize: 100, gzip: false, invalidShare: 0, bodies: 64 })

const status = (pid: number, k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}
/**
 * Where the RSS is, from /proc/PID/smaps: file-backed pages (the node binary's code and read-only data,
 * shared libraries: clean, shared through the page cache, but counted in RSS), glibc's main heap (brk),
 * anonymous mappings under 1 MB (V8's 256 KB heap pages, small mmaps) and from 1 MB (V8's large objects and
 * semi-spaces, glibc's thread arenas). MB each.
 */
type RssParts = { rss: number; file: number; brk: number; anonSmall: number; anonLarge: number }
function rssParts(pid: number): RssParts {
  const parts: RssParts = { rss: 0, file: 0, brk: 0, anonSmall: 0, anonLarge: 0 }
  let kind: keyof RssParts = 'file'
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line)
    if (head) {
      const sizeKb = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024
      const path = head[4]!
      kind = path === '[heap]' ? 'brk' : head[3] !== '0' || path.startsWith('/') ? 'file' : sizeKb < 1024 ? 'anonSmall' : 'anonLarge'
    } else if (line.startsWith('Rss:')) {
      const mb = Number(line.split(/\s+/)[1]) / 1024
      parts[kind] += mb
      parts.rss += mb
    }
  }
  return parts
}
const partsText = (p: RssParts) => `${Math.round(p.rss)} = file ${Math.round(p.file)} + brk ${Math.round(p.brk)} + anon<1MB ${Math.round(p.anonSmall)} + anon≥1MB ${Math.round(p.anonLarge)}`

/** V8 heap total and used, MB, with the used MB per space (new, old, large_object...). */
async function heapMb(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const one = (name: string) => Math.round(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1]) / 2 ** 20)
  const spaces = [...text.matchAll(/^nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\d+)/gm)].map(([, space, bytes]) => `${space} ${Math.round(Number(bytes) / 2 ** 20)}`)
  return `${one('nodejs_heap_size_total_bytes')} / ${one('nodejs_heap_size_used_bytes')} (${spaces.filter((x) => !x.endsWith(' 0')).join(', ')}); external ${one('nodejs_external_memory_bytes')}`
}

async function drive(url: string, seconds: number, connections: number, overallRate?: number) {
  let acked = 0
  let refused = 0
  let i = 0
  await autocannon({
    url: `${url}/v1/batch`,
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, body: pool[i++ % pool.length]!.bytes, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }),
        onResponse: (s, body) => {
          if (s === 200) acked += 100
          else if (refused++ === 0) process.stderr.write(`first refusal: ${s} ${body.slice(0, 300)}\n`)
        },
      },
    ],
  })
  return { acked, refused }
}

const rows: string[] = []
for (const [dir, ...args] of variants) {
  const name = [dir, ...args].join(' ')
  const flags = args.filter((a) => a.startsWith('--'))
  const extraEnv = Object.fromEntries(args.filter((a) => !a.startsWith('--')).map((a) => a.split('=', 2) as [string, string]))
  const tag = `mem${Date.now().toString(36)}`
  const gateway = spawn(process.execPath, [...flags, `${dir}/gateway/src/main.ts`], {
    env: { ...env, GATEWAY_WORKERS: '1', PORT: String(port), HOST: '127.0.0.1', DEV_WRITE_KEY: key, TOPIC_TEMPLATE: `${tag}.{category}`, LOG_LEVEL: 'warn', RATE_LIMIT_REQUESTS_PER_SECOND: '0', SELF_TRACE_SAMPLE_RATIO: '0', SELF_METRICS_INTERVAL_MS: '0', ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  try {
    for (let t = 0; ; t++) {
      if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) break
      if (t > 120) throw new Error(`gateway in ${dir} not ready`)
      await new Promise((r) => setTimeout(r, 500))
    }
    await drive(url, 3, 32) // warm-up (topic creation, JIT)
    const pid = gateway.pid!
    const idle = status(pid, 'VmRSS')
    const phase = async (name: string, seconds: number, connections: number, rate?: number) => {
      writeFileSync(`/proc/${pid}/clear_refs`, '5') // reset VmHWM
      const cpu0 = cpuS(pid)
      // the RSS parts at the highest RSS seen (sampled each second; reading smaps costs this process, not the gateway)
      let atPeak = rssParts(pid)
      const sampler = setInterval(() => {
        const now = rssParts(pid)
        if (now.rss > atPeak.rss) atPeak = now
      }, 1000)
      const r = await drive(url, seconds, connections, rate).finally(() => clearInterval(sampler))
      const cpu = cpuS(pid) - cpu0
      return { name, eventsPerS: Math.round(r.acked / seconds), refused: r.refused, peakRssMb: Math.round(status(pid, 'VmHWM')), heapMb: await heapMb(url), atPeak: partsText(atPeak), cpuUsPerEvent: r.acked ? ((cpu * 1e6) / r.acked).toFixed(1) : '-' }
    }
    const max = await phase('max', MAX_S, 32)
    const over = await phase('2× overload', OVERLOAD_S, 128, Math.max(2, Math.round((max.eventsPerS / 100) * 2)))
    for (const p of [max, over]) {
      const row = `| ${name} | ${Math.round(idle)} | ${p.name} | ${p.eventsPerS} | ${p.refused} | ${p.cpuUsPerEvent} | ${p.peakRssMb} | ${p.heapMb} | ${p.atPeak} |`
      rows.push(row)
      process.stderr.write(`${row}\n`)
    }
  } finally {
    gateway.kill('SIGTERM')
    await new Promise((r) => gateway.once('exit', r))
  }
}
process.stdout.write(`\n| gateway (checkout, flags) | idle RSS MB | phase | events/s acked | refused | CPU µs per event | peak RSS MB (VmHWM) | V8 heap total / used MB (used per space); external MB | sampled RSS at its highest, MB: parts |\n| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |\n${rows.join('\n')}\n`)
