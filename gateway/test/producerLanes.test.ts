import { describe, expect, it } from 'vitest'
import { createLane, createLaneRouter, laneOf, type LaneMessage } from '../src/producerLanes.ts'

const msg = (key: string, value = 'v', topic = 't'): LaneMessage => ({ topic, key, value, headers: {} })

/** A request function whose requests the test completes one by one. */
function manualRequests() {
  const requests: Array<{ messages: LaneMessage[]; done: () => void; fail: (e: Error) => void }> = []
  const send = (messages: LaneMessage[]) => new Promise<void>((done, fail) => requests.push({ messages, done, fail }))
  return { requests, send }
}
const tick = () => new Promise((r) => setImmediate(r))

describe('createLane', () => {
  it('keeps one request in flight and sends everything that waited as one request, in arrival order', async () => {
    const { requests, send } = manualRequests()
    const lane = createLane(send)
    const settled: string[] = []
    const a = lane([msg('k', 'a')]).then(() => settled.push('a'))
    const b = lane([msg('k', 'b1'), msg('k', 'b2')]).then(() => settled.push('b'))
    const c = lane([msg('k', 'c')]).then(() => settled.push('c'))
    await tick()
    expect(requests.map((r) => r.messages.map((m) => m.value))).toEqual([['a']])
    requests[0]!.done()
    await a
    await tick()
    expect(settled).toEqual(['a'])
    expect(requests.map((r) => r.messages.map((m) => m.value))).toEqual([['a'], ['b1', 'b2', 'c']])
    requests[1]!.done()
    await Promise.all([b, c])
    expect(settled).toEqual(['a', 'b', 'c'])
  })

  it('cuts a request at the byte budget; an upload larger than the budget still goes, alone', async () => {
    const { requests, send } = manualRequests()
    const lane = createLane(send, 10)
    const sends = [lane([msg('k', 'x'.repeat(4))]), lane([msg('k', 'y'.repeat(4))]), lane([msg('k', 'z'.repeat(4))]), lane([msg('k', 'w'.repeat(30))])]
    await tick()
    requests[0]!.done()
    await tick()
    expect(requests[1]!.messages.map((m) => m.value.length)).toEqual([4, 4])
    requests[1]!.done()
    await tick()
    expect(requests[2]!.messages.map((m) => m.value.length)).toEqual([30])
    requests[2]!.done()
    await Promise.all(sends)
    expect(requests).toHaveLength(3)
  })

  it('rejects every upload of a failed request, and the next request still goes', async () => {
    const { requests, send } = manualRequests()
    const lane = createLane(send)
    const first = lane([msg('k', 'a')])
    const second = lane([msg('k', 'b')])
    const third = lane([msg('k', 'c')])
    await tick()
    requests[0]!.done()
    await first
    await tick()
    requests[1]!.fail(new Error('NOT_ENOUGH_REPLICAS'))
    await expect(second).rejects.toThrow('NOT_ENOUGH_REPLICAS')
    await expect(third).rejects.toThrow('NOT_ENOUGH_REPLICAS')
    const fourth = lane([msg('k', 'd')])
    await tick()
    requests[2]!.done()
    await expect(fourth).resolves.toBeUndefined()
  })
})

describe('createLaneRouter', () => {
  it('sends each key to one lane only, keeps each key in its order, and resolves when every lane has', async () => {
    const seen: LaneMessage[][][] = [[], [], []]
    const lanes = seen.map((log) => async (messages: LaneMessage[]) => void log.push(messages))
    const route = createLaneRouter(lanes)
    const keys = Array.from({ length: 60 }, (_, i) => `app/device-${i % 12}`)
    await route([{ topic: 't1', messages: keys.map((k, i) => ({ key: k, value: String(i), headers: {} })) }])
    await route([{ topic: 't1', messages: keys.map((k, i) => ({ key: k, value: String(100 + i), headers: {} })) }])
    const laneOfKey = new Map<string, number>()
    seen.forEach((requests, lane) => {
      for (const m of requests.flat()) {
        expect(laneOfKey.get(m.key) ?? lane).toBe(lane)
        laneOfKey.set(m.key, lane)
        expect(lane).toBe(laneOf(m.key, 3))
      }
    })
    expect(laneOfKey.size).toBe(12)
    expect(new Set(laneOfKey.values()).size).toBeGreaterThan(1)
    for (const key of laneOfKey.keys()) {
      const values = seen[laneOfKey.get(key)!]!.flat().filter((m) => m.key === key).map((m) => Number(m.value))
      expect(values).toEqual(values.slice().sort((a, b) => a - b))
      expect(values).toHaveLength(10)
    }
  })

  it('rejects when one lane fails', async () => {
    const route = createLaneRouter([async () => {}, async () => Promise.reject(new Error('lane down'))])
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v', headers: {} }))
    await expect(route([{ topic: 't', messages }])).rejects.toThrow('lane down')
  })

  it('with one lane sends the messages unsplit, topic by topic', async () => {
    const requests: LaneMessage[][] = []
    const route = createLaneRouter([async (m) => void requests.push(m)])
    await route([
      { topic: 'a', messages: [{ key: 'x', value: '1', headers: {} }] },
      { topic: 'b', messages: [{ key: 'y', value: '2', headers: {} }] },
    ])
    expect(requests).toEqual([[msg('x', '1', 'a'), msg('y', '2', 'b')]])
  })
})
