// Under each missed target of issue 12, the bench prints the measured limit behind it: figures of the same
// run (CPU of each process, the ceilings' own CPU cost, the gateway workers' memory split) and, with
// --profile, the top of the profile of the process that pays. Pure: bench.ts passes the figures in.
import type { ProfileSummary } from './profileSummary.ts'

export type ScenarioCost = {
  itemsPerS: number
  landedPerS: number
  durationS: number
  /** CPU µs per acknowledged item: gateway, consumer, kafka, clickhouse, total */
  cpuUsPerItem: Record<string, number>
  /** CPU seconds of each process over the scenario and its drain */
  cpuSeconds: Record<string, number>
  /** the scenario's wall time until its items were visible (CPU seconds ÷ this = cores used) */
  measuredS: number
  ackToVisibleMs: { p50: number; p99: number }
  insertsPerS: number
  /** cores the whole machine was busy meanwhile (other jobs on a shared machine included) */
  machineCoresBusy: number
}

/** One gateway worker's memory from its /metrics (prom-client's default metrics), MB. */
export type WorkerMemory = { rssMb: number; heapTotalMb: number; heapUsedMb: number; externalMb: number; spaces: Record<string, number> }

export type LimitInputs = {
  cores: number
  main: ScenarioCost
  steady: ScenarioCost
  otlp: ScenarioCost
  /** the bare Hono handler parsing the same bodies: events/s and its CPU µs per event */
  http: { eventsPerS: number; cpuUsPerEvent: number }
  /** Kafka's ProducerPerformance with the gateway's records: events/s and the broker's CPU µs per event */
  broker: { eventsPerS: number; kafkaCpuUsPerEvent: number }
  memory: { main?: WorkerMemory; overload?: WorkerMemory }
  profiles: { gateway?: ProfileSummary; consumer?: ProfileSummary }
}

export type TargetKind = 'gatewayCpu' | 'consumerCpu' | 'totalCpu' | 'rate' | 'landed' | 'visibleMain' | 'visibleSteady' | 'rssMain' | 'rssOverload' | 'otlpCpu' | 'otlpRate'

const r1 = (x: number) => Math.round(x * 10) / 10
const thousands = (x: number) => Math.round(x).toLocaleString('en-US')

function profileLines(p: ProfileSummary | undefined, what: string, top = 8): string[] {
  if (!p) return [`profile: run \`npm run bench -- --profile\` for the ${what}'s`]
  const fns = p.self.slice(0, top).map((f) => `${f.name} ${r1(f.share * 100)} %`)
  const mods = p.modules.slice(0, 6).map((m) => `${m.name} ${r1(m.share * 100)} %`)
  return [
    `profile of one ${what} process over the whole run (shares of its busy time, ${Math.round((p.busyMs / p.totalMs) * 100)} % of the time sampled was busy), self time: ${fns.join('; ')}`,
    `inclusive per module: ${mods.join('; ')}`,
  ]
}

function coresUsed(s: ScenarioCost): string {
  return Object.entries(s.cpuSeconds).map(([n, sec]) => `${n} ${r1(sec / s.measuredS)}`).join(', ')
}

function cpuBound(s: ScenarioCost, cores: number, item: string): string {
  const total = s.cpuUsPerItem.total!
  const used = Object.values(s.cpuSeconds).reduce((a, b) => a + b, 0) / s.measuredS
  return `CPU: the four processes used ${r1(used)} of ${cores} cores (${coresUsed(s)}; the whole machine ${r1(s.machineCoresBusy)}); at ${total} µs per ${item} end to end, ${cores} cores carry at most ${thousands((cores * 1e6) / total)} ${item}s/s landed (the gateway alone, at ${s.cpuUsPerItem.gateway} µs, ${thousands((cores * 1e6) / s.cpuUsPerItem.gateway!)}/s)`
}

function memoryLine(m: WorkerMemory | undefined): string {
  if (!m) return 'memory split: the gateway\'s /metrics could not be read'
  const spaces = Object.entries(m.spaces).filter(([, mb]) => mb >= 1).map(([s, mb]) => `${s} ${Math.round(mb)}`).join(', ')
  const rest = m.rssMb - m.heapTotalMb - m.externalMb
  return `per worker at the scenario's end: RSS ${Math.round(m.rssMb)} MB = V8 heap ${Math.round(m.heapTotalMb)} MB (live ${Math.round(m.heapUsedMb)} MB; ${spaces}) + buffers outside the heap ${Math.round(m.externalMb)} MB + ${Math.round(rest)} MB of code, Node/V8 native memory and allocator slack`
}

/** The lines printed under a missed target. */
export function limitOf(kind: TargetKind, x: LimitInputs): string[] {
  const { main, steady, otlp } = x
  const c = main.cpuUsPerItem
  switch (kind) {
    case 'gatewayCpu':
      return [`floor: a bare Hono handler parsing the same bodies costs ${x.http.cpuUsPerEvent} µs per event (${thousands(x.http.eventsPerS)} events/s); the gateway's other ${r1(c.gateway! - x.http.cpuUsPerEvent)} µs are validation, enrichment, the Kafka client and their garbage`, ...profileLines(x.profiles.gateway, 'gateway worker')]
    case 'consumerCpu':
      return [`the consumers used ${r1(main.cpuSeconds.consumer! / main.measuredS)} cores for ${thousands(main.landedPerS)} rows/s landed`, ...profileLines(x.profiles.consumer, 'consumer worker')]
    case 'totalCpu':
      return [`split per event: gateway ${c.gateway}, consumers ${c.consumer}, Kafka ${c.kafka} (its own floor: ${x.broker.kafkaCpuUsPerEvent} µs per event of the gateway's records under ProducerPerformance), ClickHouse ${c.clickhouse} µs`]
    case 'rate':
      return [cpuBound(main, x.cores, 'event'), `ceilings of the same run: bare HTTP + JSON ${thousands(x.http.eventsPerS)} events/s, Kafka alone ${thousands(x.broker.eventsPerS)} events/s in the gateway's records`]
    case 'landed':
      // the gateway works only while the load runs: its cores over the load's seconds, not over the drain
      return [`the gateway acknowledged ${thousands(main.itemsPerS)} events/s and took ${r1(main.cpuSeconds.gateway! / main.durationS)} cores while the load ran; loading them needs consumers + ClickHouse ${r1(c.consumer! + c.clickhouse!)} µs per event = ${r1(((c.consumer! + c.clickhouse!) * main.itemsPerS) / 1e6)} cores more, on a machine of ${x.cores}: they landed ${thousands(main.landedPerS)}/s`]
    case 'visibleMain':
      return [`backlog: ${thousands(main.itemsPerS)} events/s acknowledged against ${thousands(main.landedPerS)}/s landed, so over ${main.durationS} s about ${thousands(Math.max(0, main.itemsPerS - main.landedPerS) * main.durationS)} events queued in Kafka (p50 ${main.ackToVisibleMs.p50} ms, p99 ${main.ackToVisibleMs.p99} ms)`]
    case 'visibleSteady':
      return [`at half the rate nothing queues (landed ${thousands(steady.landedPerS)} of ${thousands(steady.itemsPerS)}/s); ack→visible is the linger, the consumer's fetch wait and its insert (${steady.insertsPerS} inserts/s) plus this bench's 250 ms poll with second-precision inserted_at: p50 ${steady.ackToVisibleMs.p50} ms, p99 ${steady.ackToVisibleMs.p99} ms`]
    case 'rssMain':
      return [memoryLine(x.memory.main)]
    case 'rssOverload':
      return [memoryLine(x.memory.overload)]
    case 'otlpCpu':
      return [`split per span: gateway ${otlp.cpuUsPerItem.gateway}, consumers ${otlp.cpuUsPerItem.consumer}, Kafka ${otlp.cpuUsPerItem.kafka}, ClickHouse ${otlp.cpuUsPerItem.clickhouse} µs`, ...profileLines(x.profiles.gateway, 'gateway worker')]
    case 'otlpRate':
      return [cpuBound(otlp, x.cores, 'span')]
  }
}
