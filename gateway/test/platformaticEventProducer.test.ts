import { compatibilityPartitioner } from '@platformatic/kafka'
import { Partitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { platformaticCompression } from '../src/platformaticEventProducer.ts'

describe('platformaticCompression', () => {
  it.each([
    ['none', 'none'],
    ['gzip', 'gzip'],
    ['zstd', 'zstd'],
    ['lz4', 'lz4'],
  ] as const)('maps KAFKA_COMPRESSION=%s to the codec %s', (name, codec) => {
    expect(platformaticCompression(name)).toBe(codec)
  })

  it('refuses at start, naming the variable, a codec this Node cannot do', () => {
    const noZstd = { none: { available: true }, gzip: { available: true }, zstd: { available: false } }
    expect(() => platformaticCompression('zstd', noZstd)).toThrow(/KAFKA_COMPRESSION=zstd: @platformatic\/kafka cannot compress with zstd/)
    expect(platformaticCompression('gzip', noZstd)).toBe('gzip')
  })
})

describe('key → partition with @platformatic/kafka', () => {
  // The platformatic producer is built with compatibilityPartitioner and the client then takes the result
  // modulo the partition count; kafkajs' DefaultPartitioner (what the kafkajs producer and the Java client
  // use) must agree, so one device's events keep one partition whichever KAFKA_PRODUCER_CLIENT runs.
  const kafkajs = Partitioners.DefaultPartitioner()
  const keys = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? `app-${i}` : `app-${i % 17}/device-${i * 7919}-é`))
  it.each([1, 2, 3, 12])('places every key on the kafkajs partition with %i partitions', (partitions) => {
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }))
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } } as Parameters<typeof kafkajs>[0])
      expect(compatibilityPartitioner({ topic: 't', key }, Buffer.from(key)) % partitions, key).toBe(expected)
    }
  })
})
