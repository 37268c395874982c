// Memory and time of the gateway's IP → location lookup: geoip-lite's own in-memory copy (what the gateway
// used before) against gateway/src/geoFiles.ts (geoip-lite's files read on demand), each in a fresh process:
// RSS and peak RSS (VmHWM) after loading and after 200,000 lookups of distinct addresses (no LRU: every
// lookup is a miss), and µs per lookup.
//   npm run bench:geo
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const LOOKUPS = 200_000
const variant = process.argv[2]

const mb = (key: string) => Math.round(Number(/(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(key))!)![1]) / 1024)

async function run(name: string): Promise<void> {
  const before = mb('VmRSS')
  const lookup =
    name === 'geoip-lite'
      ? ((await import('geoip-lite')).default.lookup as (ip: string) => unknown)
      : (await import('../gateway/src/geoFiles.ts')).openGeoFiles().lookup
  const loaded = { rss: mb('VmRSS'), heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), externalMb: Math.round(process.memoryUsage().external / 2 ** 20) }
  let seed = 7
  const ips = Array.from({ length: LOOKUPS }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return `${seed >>> 24}.${(seed >>> 16) & 255}.${(seed >>> 8) & 255}.${seed & 255}`
  })
  let found = 0
  const t0 = performance.now()
  for (const ip of ips) if (lookup(ip)) found++
  const us = ((performance.now() - t0) * 1000) / LOOKUPS
  process.stdout.write(JSON.stringify({ name, rssAtStartMb: before, rssLoadedMb: loaded.rss, heapMb: loaded.heapMb, externalMb: loaded.externalMb, rssAfterLookupsMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), usPerLookup: Number(us.toFixed(2)), found }))
}

if (variant) await run(variant)
else {
  const rows = ['geoip-lite', 'geoFiles'].map((name) => JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, name], { encoding: 'utf8' })) as Record<string, number | string>)
  const cols = ['rssAtStartMb', 'rssLoadedMb', 'heapMb', 'externalMb', 'rssAfterLookupsMb', 'peakRssMb', 'usPerLookup', 'found'] as const
  process.stdout.write(`| lookup | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}\n${rows.map((r) => `| ${r.name} | ${cols.map((c) => r[c]).join(' | ')} |`).join('\n')}\n`)
}
