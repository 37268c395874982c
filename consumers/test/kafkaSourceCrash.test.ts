// kafkajs gives up on a consumer after an error it deems final (KafkaJSGroupCoordinatorNotFound on a fresh,
// slow broker) and does not restart it: the source must start a new one instead of sitting idle.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { Kafka } from 'kafkajs'
import { loadConfig } from '../../common/config.ts'
import { createLogger } from '../../common/logger.ts'
import { startKafkaSource } from '../src/kafkaSource.ts'

const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' }

function fakeKafka(crashWhen: 'at-start' | 'later') {
  const consumers: { runs: number; disconnected: boolean; emitter: EventEmitter }[] = []
  const kafka = {
    admin: () => ({ connect: async () => {}, disconnect: async () => {}, listTopics: async () => ['telemetry.web'] }),
    consumer: () => {
      const emitter = new EventEmitter()
      const state = { runs: 0, disconnected: false, emitter }
      consumers.push(state)
      const crash = () => emitter.emit(events.CRASH, { payload: { error: new Error('Failed to find group coordinator'), restart: false } })
      return {
        events,
        on: (name: string, fn: (e: unknown) => void) => emitter.on(name, fn),
        connect: async () => {},
        subscribe: async () => {},
        disconnect: async () => void (state.disconnected = true),
        run: async () => {
          state.runs++
          // the first consumer crashes; kafkajs has already disconnected it and will not restart it
          if (consumers.length === 1 && crashWhen === 'at-start') crash()
          if (consumers.length === 1 && crashWhen === 'later') setTimeout(crash, 20)
        },
      }
    },
  }
  return { kafka: kafka as unknown as Kafka, consumers }
}

describe('a consumer kafkajs does not restart', () => {
  it.each(['at-start', 'later'] as const)('crashing %s is replaced by a new consumer at the next topic refresh', async (when) => {
    const config = loadConfig({ CONSUMER_TOPIC_REFRESH_MS: '100' }).consumer
    const lines: string[] = []
    const { kafka, consumers } = fakeKafka(when)
    const source = startKafkaSource(kafka, config, async () => ({ status: 'committed' }) as never, createLogger('consumer', 'info', (l) => lines.push(l)))
    await source.started
    const until = Date.now() + 2000
    while (consumers.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(consumers.length).toBe(2)
    expect(consumers[1]!.runs).toBe(1)
    expect(lines.some((l) => l.includes('kafka consumer stopped after an error kafkajs does not retry'))).toBe(true)
    // and then it stays: the topics are the same, the new consumer is not replaced again
    await new Promise((r) => setTimeout(r, 200))
    expect(consumers.length).toBe(2)
    await source.stop()
    expect(consumers[1]!.disconnected).toBe(true)
  })
})
