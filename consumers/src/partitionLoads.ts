// The partition-load bookkeeping of the fetch side (kafkaSource.ts), as a unit: per partition one load runs
// at a time, in offset order; a batch fetched while its partition's previous load runs waits for it; after a
// load was given up, the batches after it are not loaded but the partition is sought back to the first offset
// not loaded; a re-join (new generation) makes every older load give up. kafkajs-free, so it is unit-tested
// against a fake consumer (consumers/test/partitionLoads.test.ts).

export type LoadOutcome = 'committed' | 'abandoned'

/** What a fetched batch says about itself and the consumer at hand-over (kafkajs' eachBatch payload). */
export type HandedBatch = {
  topic: string
  partition: number
  /** first and last offset of the fetched messages; null when the batch is empty */
  offsets: { first: string; last: string } | null
  isRunning(): boolean
  isStale(): boolean
  /** tells kafkajs the batch is taken (its offsets are handed on; the commit stays the loader's) */
  resolveOffset(offset: string): void
  /** makes the consumer fetch the partition again from `offset` */
  seek(offset: string): void
}

/** Starts the load of a handed batch; `stillOwned` turns false once it must give up. */
export type StartLoad = (stillOwned: () => boolean) => Promise<LoadOutcome>

export type Handover = 'loading' | 'sought back' | 'skipped'

type PartitionLoad = { done: Promise<LoadOutcome>; firstOffset: string; generation: number }

export function createPartitionLoads(opts: { stopping: () => boolean }) {
  const loads = new Map<string, PartitionLoad>()
  let generation = 0
  let draining = false
  const settle = () => Promise.allSettled([...loads.values()].map((l) => l.done)).then(() => {})

  return {
    /** A re-join: kafkajs restarts every partition from its committed offset, so loads of older generations give up. */
    rejoined() {
      generation++
    },

    /** Hands a fetched batch to its partition's load, after the previous one of the partition has finished. */
    async handOver(batch: HandedBatch, start: StartLoad): Promise<Handover> {
      const key = `${batch.topic}/${batch.partition}`
      const previous = loads.get(key)
      if (previous && (await previous.done) === 'abandoned') {
        // The previous batch was not loaded, but its offsets were handed on to kafkajs: fetch it again from its
        // first offset rather than load anything after it (which would commit past it). When the partition is
        // no longer ours (another generation) kafkajs restarts it from the last commit anyway.
        loads.delete(key)
        if (opts.stopping() || !batch.isRunning() || previous.generation !== generation) return 'skipped'
        batch.seek(previous.firstOffset)
        return 'sought back'
      }
      if (opts.stopping() || draining || !batch.isRunning() || batch.isStale() || batch.offsets === null) return 'skipped'
      const loadGeneration = generation
      const done = start(() => batch.isRunning() && !opts.stopping() && loadGeneration === generation)
      loads.set(key, { done, firstOffset: batch.offsets.first, generation: loadGeneration })
      batch.resolveOffset(batch.offsets.last)
      return 'loading'
    },

    /** Resolves when every load in flight has finished (committed or given up). */
    settle,

    /** No new loads while `leave` runs (e.g. leaving the group); loads in flight finish before and after it. */
    async drain(leave: () => Promise<void>) {
      draining = true
      try {
        await settle()
        await leave()
        await settle()
        loads.clear()
      } finally {
        draining = false
      }
    },
  }
}
