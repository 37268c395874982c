// The partition-load bookkeeping (partitionLoads.ts) against a fake consumer: hand-over in offset order, one
// load per partition, seek-back after a given-up load, generations, stopping and draining.
import { describe, expect, it } from 'vitest'
import { createPartitionLoads, type HandedBatch, type LoadOutcome } from '../src/partitionLoads.ts'

/** A fake kafkajs consumer: records seeks and resolved offsets; running until told otherwise. */
function fakeConsumer() {
  const seeks: string[] = []
  const resolved: string[] = []
  const state = { running: true, stale: false }
  const batch = (first: number, last: number, partition = 0): HandedBatch => ({
    topic: 't',
    partition,
    offsets: { first: String(first), last: String(last) },
    isRunning: () => state.running,
    isStale: () => state.stale,
    resolveOffset: (o) => resolved.push(`${partition}:${o}`),
    seek: (o) => seeks.push(`${partition}:${o}`),
  })
  return { seeks, resolved, state, batch }
}

/** A load that finishes when told to, recording its start and its stillOwned function. */
function controlledLoad(log: string[], name: string) {
  let finish!: (o: LoadOutcome) => void
  const done = new Promise<LoadOutcome>((r) => (finish = r))
  const load = { stillOwned: () => true, finish, start: (stillOwned: () => boolean) => {
    log.push(`start ${name}`)
    load.stillOwned = stillOwned
    return done
  } }
  return load
}

describe('partition loads', () => {
  it('hands a batch over at once, resolving its last offset; the next batch of the partition waits for the load', async () => {
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => false })
    const log: string[] = []
    const a = controlledLoad(log, 'a')
    const b = controlledLoad(log, 'b')
    expect(await loads.handOver(consumer.batch(0, 9), a.start)).toBe('loading')
    expect(consumer.resolved).toEqual(['0:9'])
    const second = loads.handOver(consumer.batch(10, 19), b.start)
    await new Promise((r) => setTimeout(r, 10))
    expect(log).toEqual(['start a']) // b waits for a
    a.finish('committed')
    expect(await second).toBe('loading')
    expect(log).toEqual(['start a', 'start b'])
    expect(consumer.resolved).toEqual(['0:9', '0:19'])
  })

  it('loads partitions independently', async () => {
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => false })
    const log: string[] = []
    const p0 = controlledLoad(log, 'p0')
    const p1 = controlledLoad(log, 'p1')
    await loads.handOver(consumer.batch(0, 9, 0), p0.start)
    await loads.handOver(consumer.batch(0, 4, 1), p1.start)
    expect(log).toEqual(['start p0', 'start p1'])
  })

  it('after a given-up load, seeks the partition back to its first offset and loads nothing after it', async () => {
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => false })
    const log: string[] = []
    const a = controlledLoad(log, 'a')
    const b = controlledLoad(log, 'b')
    await loads.handOver(consumer.batch(100, 149), a.start)
    a.finish('abandoned')
    expect(await loads.handOver(consumer.batch(150, 199), b.start)).toBe('sought back')
    expect(consumer.seeks).toEqual(['0:100'])
    expect(log).toEqual(['start a']) // b was not loaded
    expect(consumer.resolved).toEqual(['0:149']) // and not handed on
    // the re-fetched batch is loaded normally
    const again = controlledLoad(log, 'again')
    expect(await loads.handOver(consumer.batch(100, 149), again.start)).toBe('loading')
  })

  it('a re-join gives up loads of the older generation, and does not seek for them', async () => {
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => false })
    const log: string[] = []
    const a = controlledLoad(log, 'a')
    await loads.handOver(consumer.batch(0, 9), a.start)
    expect(a.stillOwned()).toBe(true)
    loads.rejoined()
    expect(a.stillOwned()).toBe(false)
    a.finish('abandoned')
    const b = controlledLoad(log, 'b')
    expect(await loads.handOver(consumer.batch(0, 9), b.start)).toBe('skipped')
    expect(consumer.seeks).toEqual([]) // kafkajs restarts the partition from its committed offset
    expect(await loads.handOver(consumer.batch(0, 9), b.start)).toBe('loading')
  })

  it('takes no batch while stopping, when the consumer stopped, when the batch is stale or empty', async () => {
    let stopping = false
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => stopping })
    const start = () => Promise.resolve<LoadOutcome>('committed')
    expect(await loads.handOver({ ...consumer.batch(0, 0), offsets: null }, start)).toBe('skipped')
    consumer.state.stale = true
    expect(await loads.handOver(consumer.batch(0, 9), start)).toBe('skipped')
    consumer.state.stale = false
    consumer.state.running = false
    expect(await loads.handOver(consumer.batch(0, 9), start)).toBe('skipped')
    consumer.state.running = true
    stopping = true
    expect(await loads.handOver(consumer.batch(0, 9), start)).toBe('skipped')
    expect(consumer.resolved).toEqual([])
  })

  it('a load in flight stops being owned once stopping begins', async () => {
    let stopping = false
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => stopping })
    const a = controlledLoad([], 'a')
    await loads.handOver(consumer.batch(0, 9), a.start)
    stopping = true
    expect(a.stillOwned()).toBe(false)
  })

  it('drain: no new loads while leaving; loads in flight finish before the leave', async () => {
    const consumer = fakeConsumer()
    const loads = createPartitionLoads({ stopping: () => false })
    const log: string[] = []
    const a = controlledLoad(log, 'a')
    await loads.handOver(consumer.batch(0, 9), a.start)
    const drained = loads.drain(async () => {
      log.push('leave')
      expect(await loads.handOver(consumer.batch(0, 9, 1), controlledLoad(log, 'during').start)).toBe('skipped')
    })
    await new Promise((r) => setTimeout(r, 10))
    expect(log).toEqual(['start a']) // the leave waits for a
    a.finish('committed')
    await drained
    expect(log).toEqual(['start a', 'leave'])
    expect(await loads.handOver(consumer.batch(10, 19), controlledLoad(log, 'after').start)).toBe('loading')
  })
})
