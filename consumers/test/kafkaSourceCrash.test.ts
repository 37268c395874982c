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

describe('a consumer being replaced (new topics)', () => {
  it('is not restarted by kafkajs after a connection error, and leaves if a restart joined anyway', async () => {
    const config = loadConfig({ CONSUMER_TOPIC_REFRESH_MS: '100' }).consumer
    let topics = ['telemetry.web']
    const made: { restartOnFailure: (e: Error) => Promise<boolean>; emitter: EventEmitter; disconnects: number; subscribed: string[] }[] = []
    const kafka = {
      admin: () => ({ connect: async () => {}, disconnect: async () => {}, listTopics: async () => topics }),
      consumer: (opts: { retry: { restartOnFailure: (e: Error) => Promise<boolean> } }) => {
        const state = { restartOnFailure: opts.retry.restartOnFailure, emitter: new EventEmitter(), disconnects: 0, subscribed: [] as string[] }
        made.push(state)
        return {
          events,
          on: (name: string, fn: (e: unknown) => void) => state.emitter.on(name, fn),
          connect: async () => {},
          subscribe: async ({ topics }: { topics: string[] }) => void (state.subscribed = topics),
          disconnect: async () => void state.disconnects++,
          run: async () => {},
        }
      },
    } as unknown as Kafka
    const source = startKafkaSource(kafka, config, async () => ({ status: 'committed' }) as never, createLogger('consumer', 'error', () => {}))
    await source.started
    const old = made[0]!
    // while it is the current member, kafkajs may restart it after a retriable error
    expect(await old.restartOnFailure(new Error('Connection error'))).toBe(true)
    topics = ['telemetry.logs', 'telemetry.web']
    const until = Date.now() + 2000
    while (made.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(made[1]!.subscribed).toEqual(['telemetry.logs', 'telemetry.web'])
    expect(old.disconnects).toBe(1)
    // replaced: a restart of the old member (with the old topic list) is refused
    expect(await old.restartOnFailure(new Error('Connection error'))).toBe(false)
    expect(await made[1]!.restartOnFailure(new Error('Connection error'))).toBe(true)
    // and if one was already on its timer and joined, the old member leaves again
    old.emitter.emit(events.GROUP_JOIN, {})
    await new Promise((r) => setTimeout(r, 10))
    expect(old.disconnects).toBe(2)
    await source.stop()
    expect(await made[1]!.restartOnFailure(new Error('Connection error'))).toBe(false)
  })
})
