import { describe, expect, it } from 'vitest'
import { createLogger } from '../../common/logger.ts'
import type { ProduceReadiness } from '../../common/kafkaTopics.ts'
import type { EventProducer } from '../src/eventProducer.ts'
import { withTopicAdmin } from '../src/topicAwareProducer.ts'

function fakes() {
  const order: string[] = []
  let readiness: ProduceReadiness = { ok: true }
  let brokerReady = true
  const producer: EventProducer = {
    send: async (topic) => void order.push(`send ${topic}`),
    isReady: async () => brokerReady,
    close: async () => void order.push('close producer'),
  }
  const topics = {
    ensure: async (topic: string) => void order.push(`ensure ${topic}`),
    readiness: async () => readiness,
    close: async () => void order.push('close admin'),
  }
  const lines: string[] = []
  const wrapped = withTopicAdmin(producer, topics, createLogger('t', 'info', (l) => lines.push(l)), 1_000)
  return { wrapped, order, lines, set: (r: ProduceReadiness, b = true) => ((readiness = r), (brokerReady = b)) }
}

describe('withTopicAdmin', () => {
  it('creates the topic before writing to it, and closes both', async () => {
    const f = fakes()
    await f.wrapped.send('telemetry.web', [])
    await f.wrapped.close()
    expect(f.order).toEqual(['ensure telemetry.web', 'send telemetry.web', 'close producer', 'close admin'])
  })

  it('is ready only when the broker answers and acks=all is possible, logging the reason when it changes', async () => {
    const f = fakes()
    expect(await f.wrapped.isReady()).toBe(true)
    f.set({ ok: false, reason: 't/0 has 1 live in-sync replica(s), min.insync.replicas is 2' })
    await new Promise((r) => setTimeout(r, 1_050)) // past the 1 s probe cache
    expect(await f.wrapped.isReady()).toBe(false)
    f.set({ ok: true }, false)
    await new Promise((r) => setTimeout(r, 1_050))
    expect(await f.wrapped.isReady()).toBe(false)
    expect(f.lines.map((l) => JSON.parse(l)).map((l) => [l.msg, l.reason])).toEqual([['kafka cannot acknowledge writes now: not ready', 't/0 has 1 live in-sync replica(s), min.insync.replicas is 2']])
  })
})
