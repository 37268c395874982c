import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { summarizeProfile } from '../profileSummary.ts'
import { limitOf, type LimitInputs, type ScenarioCost } from '../targetLimits.ts'

const scenario = (over: Partial<ScenarioCost> = {}): ScenarioCost => ({
  itemsPerS: 20_000,
  landedPerS: 15_000,
  durationS: 60,
  cpuUsPerItem: { gateway: 40, consumer: 30, kafka: 4, clickhouse: 20, total: 94 },
  cpuSeconds: { gateway: 48, consumer: 36, kafka: 4.8, clickhouse: 24 },
  measuredS: 60,
  ackToVisibleMs: { p50: 900, p99: 2_000 },
  insertsPerS: 2,
  machineCoresBusy: 1.9,
  ...over,
})

const inputs = (over: Partial<LimitInputs> = {}): LimitInputs => ({
  cores: 2,
  main: scenario(),
  steady: scenario({ itemsPerS: 10_000, landedPerS: 10_000 }),
  otlp: scenario(),
  http: { eventsPerS: 200_000, cpuUsPerEvent: 6.5 },
  broker: { eventsPerS: 1_400_000, kafkaCpuUsPerEvent: 0.3 },
  memory: { main: { rssMb: 300, heapTotalMb: 120, heapUsedMb: 100, externalMb: 40, spaces: { old: 90, new: 16, code: 0.5 } } },
  profiles: {},
  ...over,
})

describe('limitOf: the measured limit under a missed target', () => {
  it('derives the CPU-bound rate from the end-to-end cost and the cores', () => {
    const [line] = limitOf('rate', inputs())
    // 2 cores × 1e6 µs ÷ 94 µs per event = 21,277 events/s; the four processes used (48+36+4.8+24)/60 = 1.9 cores
    expect(line).toContain('at most 21,277 events/s')
    expect(line).toContain('used 1.9 of 2 cores')
  })

  it('counts the gateway\'s cores over the load only, and what loading needs on top', () => {
    const [line] = limitOf('landed', inputs({ main: scenario({ measuredS: 90 }) }))
    // 48 CPU-s over the 60 s of load = 0.8 cores (not 48 / 90); (30 + 20) µs × 20,000/s = 1 core
    expect(line).toContain('took 0.8 cores while the load ran')
    expect(line).toContain('50 µs per event = 1 cores more')
  })

  it('splits RSS into heap, buffers and the rest, leaving out spaces under 1 MB', () => {
    const [line] = limitOf('rssMain', inputs())
    expect(line).toContain('RSS 300 MB = V8 heap 120 MB (live 100 MB; old 90, new 16)')
    expect(line).toContain('+ 140 MB of code')
    expect(limitOf('rssOverload', inputs())[0]).toContain('could not be read')
  })

  it('asks for a profile when none was taken, and names the gateway floor', () => {
    const lines = limitOf('gatewayCpu', inputs())
    expect(lines[0]).toContain('6.5 µs per event')
    expect(lines[0]).toContain('other 33.5 µs')
    expect(lines[1]).toContain('--profile')
  })
})

describe('summarizeProfile', () => {
  it('ranks self time as shares of the busy time and tells the role from the source files', () => {
    const dir = mkdtempSync(`${os.tmpdir()}/profile-`)
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children })
    const profile = {
      nodes: [frame(1, '(root)', '', [2, 3, 4]), frame(2, '(idle)', ''), frame(3, 'mapRow', 'file:///x/consumers/src/steps/mapRows.ts'), frame(4, 'parse', 'file:///x/node_modules/kafkajs/src/a.js')],
      samples: [2, 2, 3, 3, 3, 4],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    }
    writeFileSync(`${dir}/p.cpuprofile`, JSON.stringify(profile))
    const s = summarizeProfile(`${dir}/p.cpuprofile`)
    expect(s.role).toBe('consumer')
    expect(s.busyMs).toBe(4)
    expect(s.self[0]).toEqual({ name: 'mapRow consumers/src/steps/mapRows.ts:1', share: 0.75 })
    expect(s.self.map((f) => f.name)).not.toContain('(idle) :1')
  })
})
