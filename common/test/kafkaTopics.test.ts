import { describe, expect, it } from 'vitest'
import type { PartitionMetadata } from 'kafkajs'
import { createLogger } from '../logger.ts'
import { createTopicEnsurer, produceReadiness, topicConfig } from '../kafkaTopics.ts'

const settings = { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 }
const part = (partitionId: number, leader: number, isr: number[]): PartitionMetadata => ({ partitionId, leader, isr, replicas: [1, 2, 3], offlineReplicas: [], partitionErrorCode: 0 })

describe('topicConfig', () => {
  it('carries partitions, replication factor and min.insync.replicas', () => {
    expect(topicConfig('telemetry.web', settings)).toEqual({
      topic: 'telemetry.web',
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    })
  })
})

describe('createTopicEnsurer', () => {
  it('creates a topic once with the settings, retries after a failure, logs only a real creation', async () => {
    const calls: unknown[] = []
    let fail = true
    let lookups = 0
    const lines: string[] = []
    const ensurer = createTopicEnsurer(
      {
        createTopics: async (o) => {
          calls.push(o)
          if (fail) throw new Error('INVALID_REPLICATION_FACTOR')
          return true
        },
        listTopics: async () => (fail ? [] : ['b']),
        // the first look finds the new topic without leaders yet
        fetchTopicMetadata: async () => ({ topics: [{ name: 'a', partitions: [part(0, lookups++ === 0 ? -1 : 1, [1])] }] }),
      },
      settings,
      createLogger('t', 'info', (l) => lines.push(l)),
    )
    await expect(ensurer.ensure('a')).rejects.toThrow('INVALID_REPLICATION_FACTOR')
    fail = false
    await ensurer.ensure('a')
    await ensurer.ensure('a')
    expect(calls).toHaveLength(2)
    expect(calls[1]).toMatchObject({ topics: [topicConfig('a', settings)] })
    expect(lookups).toBe(2)
    expect(ensurer.known()).toEqual(['a'])
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['kafka topic created'])
  })
})

describe('produceReadiness (acks=all possible?)', () => {
  const topic = (partitions: PartitionMetadata[]) => [{ name: 't', partitions }]
  it('is ready with every partition led by a live broker and min ISR live in-sync replicas', () => {
    expect(produceReadiness([1, 2, 3], topic([part(0, 1, [1, 2, 3]), part(1, 2, [2, 3])]), 2)).toEqual({ ok: true })
  })
  it('is not ready when fewer brokers are alive than min ISR, even before any topic', () => {
    expect(produceReadiness([1], [], 2)).toEqual({ ok: false, reason: '1 live broker(s), min.insync.replicas is 2' })
    expect(produceReadiness([1], [], 1)).toEqual({ ok: true })
  })
  it('is not ready when a partition has no leader or its leader is not alive', () => {
    expect(produceReadiness([1, 2], topic([part(0, -1, [1, 2])]), 2)).toMatchObject({ ok: false, reason: 't/0 has no live leader' })
    expect(produceReadiness([1, 2], topic([part(3, 3, [1, 2, 3])]), 2)).toMatchObject({ ok: false, reason: 't/3 has no live leader' })
  })
  it('counts only live brokers of the ISR (a stopped broker can linger in it)', () => {
    expect(produceReadiness([1, 2], topic([part(0, 1, [1, 3])]), 2)).toEqual({ ok: false, reason: 't/0 has 1 live in-sync replica(s), min.insync.replicas is 2' })
  })
})
