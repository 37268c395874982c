// Pipelined produce with ordering and idempotence kept. An idempotent producer keeps one produce request in
// flight per broker connection (so a retry cannot reorder a partition); one such producer leaves the gateway
// waiting on one round trip while uploads queue behind it. Here K producers ("lanes", KAFKA_PRODUCER_LANES),
// each idempotent with its own producer id and connections, each message routed by its partition key to
// always the same lane: K requests in flight per broker, and one device's (one key's) messages still go
// through one producer, in order. Within a lane, what arrives while its request is in flight is sent as ONE
// request when that returns (as the Java client's accumulator does), so a queue of small produce requests
// never forms: the next request carries everything that waited.
import type { OutgoingMessage } from './eventProducer.ts'
import type { TopicMessages } from './lingerBatcher.ts'

export type LaneMessage = OutgoingMessage & { topic: string }

/** A lane's request is cut at about this many bytes of values (the rest waits for the next request), well
 * below the broker's 1 MB record-batch limit after compression. A single larger upload still goes alone. */
export const LANE_REQUEST_BYTES = 1_000_000

/** The lane of a partition key: a cheap string hash (FNV-1a), stable for the process's life. */
export function laneOf(key: string, lanes: number): number {
  if (lanes === 1) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return (h >>> 0) % lanes
}

type Waiting = { messages: LaneMessage[]; bytes: number; resolve: () => void; reject: (e: unknown) => void }

/** One lane: at most one request in flight; what waits meanwhile goes out together when it returns. */
export function createLane(sendRequest: (messages: LaneMessage[]) => Promise<void>, requestBytes = LANE_REQUEST_BYTES): (messages: LaneMessage[]) => Promise<void> {
  const waiting: Waiting[] = []
  let busy = false
  const pump = () => {
    if (busy || waiting.length === 0) return
    let bytes = 0
    let n = 0
    while (n < waiting.length && (n === 0 || bytes + waiting[n]!.bytes <= requestBytes)) bytes += waiting[n++]!.bytes
    const group = waiting.splice(0, n)
    const messages = group.length === 1 ? group[0]!.messages : group.flatMap((w) => w.messages)
    busy = true
    sendRequest(messages)
      .then(
        () => group.forEach((w) => w.resolve()),
        (err: unknown) => group.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        busy = false
        pump()
      })
  }
  return (messages) =>
    new Promise<void>((resolve, reject) => {
      let bytes = 0
      for (const m of messages) bytes += m.value.length
      waiting.push({ messages, bytes, resolve, reject })
      pump()
    })
}

/** Splits a batch by lane and resolves when every lane's part is acknowledged (rejects if any fails). */
export function createLaneRouter(lanes: Array<(messages: LaneMessage[]) => Promise<void>>): (topicMessages: TopicMessages[]) => Promise<void> {
  return async (topicMessages) => {
    const parts: LaneMessage[][] = lanes.map(() => [])
    for (const { topic, messages } of topicMessages) {
      // one upload's messages usually share one key: hash once per run of equal keys
      let lastKey: string | null = null
      let lane = 0
      for (const m of messages) {
        if (m.key !== lastKey) {
          lastKey = m.key
          lane = laneOf(m.key, lanes.length)
        }
        parts[lane]!.push({ topic, key: m.key, value: m.value, headers: m.headers })
      }
    }
    await Promise.all(parts.flatMap((part, i) => (part.length > 0 ? [lanes[i]!(part)] : [])))
  }
}
