import { describe, expect, it, vi } from 'vitest'
import type { OutgoingMessage } from '../src/eventProducer.ts'
import { createLingerBatcher, FLUSH_AT_MESSAGES, type TopicMessages } from '../src/lingerBatcher.ts'

const msgs = (n: number, tag: string): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ key: `${tag}${i}`, value: `${tag}${i}`, headers: {} }))

describe('createLingerBatcher', () => {
  it('sends uploads that arrive within the linger time as one batch, grouped by topic, and resolves each', async () => {
    const batches: TopicMessages[][] = []
    const b = createLingerBatcher(5, async (t) => void batches.push(t))
    await Promise.all([b.send('a', msgs(2, 'x')), b.send('b', msgs(1, 'y')), b.send('a', msgs(1, 'z'))])
    expect(batches).toEqual([
      [
        { topic: 'a', messages: [...msgs(2, 'x'), ...msgs(1, 'z')] },
        { topic: 'b', messages: msgs(1, 'y') },
      ],
    ])
  })

  it('rejects every upload of a failed batch with its error when each also fails alone', async () => {
    let calls = 0
    const b = createLingerBatcher(5, () => (calls++, Promise.reject(new Error('broker down'))))
    const results = await Promise.allSettled([b.send('a', msgs(1, 'x')), b.send('a', msgs(1, 'y'))])
    expect(results.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['broker down', 'broker down'])
    expect(calls).toBe(3) // the batch, then each upload on its own
  })

  it('after a failed batch, sends each upload alone: only the uploads whose own write fails are rejected', async () => {
    // a batch fails when it holds a message for the partition whose leader is gone ('dead')
    const sent: string[][] = []
    const b = createLingerBatcher(5, async (t) => {
      const keys = t.flatMap((x) => x.messages.map((m) => m.key))
      sent.push(keys)
      if (keys.some((k) => k.startsWith('dead'))) throw new Error('NOT_LEADER_OR_FOLLOWER')
    })
    const results = await Promise.allSettled([b.send('a', msgs(1, 'ok')), b.send('a', msgs(1, 'dead')), b.send('b', msgs(2, 'fine'))])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(sent).toEqual([['ok0', 'dead0', 'fine0', 'fine1'], ['ok0'], ['dead0'], ['fine0', 'fine1']])
  })

  it('does not send a failed single-upload batch again', async () => {
    let calls = 0
    const b = createLingerBatcher(5, () => (calls++, Promise.reject(new Error('broker down'))))
    await expect(b.send('a', msgs(1, 'x'))).rejects.toThrow('broker down')
    expect(calls).toBe(1)
  })

  it('sends at once, without waiting for the linger time, when enough messages wait', async () => {
    vi.useFakeTimers()
    try {
      const batches: TopicMessages[][] = []
      const b = createLingerBatcher(60_000, async (t) => void batches.push(t))
      const sent = b.send('a', msgs(FLUSH_AT_MESSAGES, 'x'))
      await vi.advanceTimersByTimeAsync(0)
      await sent
      expect(batches).toHaveLength(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('with linger 0 makes one produce call per upload', async () => {
    const batches: TopicMessages[][] = []
    const b = createLingerBatcher(0, async (t) => void batches.push(t))
    await Promise.all([b.send('a', msgs(1, 'x')), b.send('a', msgs(1, 'y'))])
    expect(batches).toEqual([[{ topic: 'a', messages: msgs(1, 'x') }], [{ topic: 'a', messages: msgs(1, 'y') }]])
  })

  it('drain sends what waits and waits for it', async () => {
    let acked = false
    const b = createLingerBatcher(60_000, async () => {
      await new Promise((r) => setTimeout(r, 10))
      acked = true
    })
    const sent = b.send('a', msgs(1, 'x'))
    await b.drain()
    expect(acked).toBe(true)
    await sent
  })
})
