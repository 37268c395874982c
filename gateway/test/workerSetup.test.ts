import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { gatewayWorkerSetup } from '../src/workerSetup.ts'

describe('gatewayWorkerSetup: what each forked gateway worker starts with', () => {
  it('by default: 8 MB semi-spaces, V8 growth 100 %, 2 malloc arenas', () => {
    expect(gatewayWorkerSetup(loadConfig({}).gateway)).toEqual({
      flags: ['--max-semi-space-size=8', '--heap-growing-percent=100'],
      env: { MALLOC_ARENA_MAX: '2' },
    })
  })

  it('0 leaves each to V8 / glibc', () => {
    const gateway = loadConfig({ GATEWAY_WORKER_SEMI_SPACE_MB: '0', GATEWAY_WORKER_HEAP_GROWING_PERCENT: '0', GATEWAY_WORKER_MALLOC_ARENA_MAX: '0' }).gateway
    expect(gatewayWorkerSetup(gateway)).toEqual({ flags: [], env: {} })
  })

  it('takes the configured values', () => {
    const gateway = loadConfig({ GATEWAY_WORKER_SEMI_SPACE_MB: '16', GATEWAY_WORKER_HEAP_GROWING_PERCENT: '50', GATEWAY_WORKER_MALLOC_ARENA_MAX: '4' }).gateway
    expect(gatewayWorkerSetup(gateway)).toEqual({ flags: ['--max-semi-space-size=16', '--heap-growing-percent=50'], env: { MALLOC_ARENA_MAX: '4' } })
  })

  it('refuses a negative or fractional value, naming the variable', () => {
    expect(() => loadConfig({ GATEWAY_WORKER_HEAP_GROWING_PERCENT: '-1' })).toThrow(/GATEWAY_WORKER_HEAP_GROWING_PERCENT/)
    expect(() => loadConfig({ GATEWAY_WORKER_MALLOC_ARENA_MAX: '1.5' })).toThrow(/GATEWAY_WORKER_MALLOC_ARENA_MAX/)
  })
})
