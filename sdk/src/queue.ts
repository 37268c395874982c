// The records the client holds: every tracked event from track() until its one outcome, and the
// subset waiting to be sent, oldest first.

export type EventRecord = {
  id: string
  name: string
  /** the event as JSON, serialized once at track() time and sent unchanged on every attempt */
  json: string
  bytes: number
  attempts: number
  seq: number
  /** send no later than this (ms); 0 = as soon as backoff allows */
  dueAt: number
  state: 'queued' | 'sending' | 'done'
}

export class EventQueue {
  /** not yet settled, in track order: flush() waits for the oldest */
  readonly open = new Map<string, EventRecord>()
  /** waiting to be sent (requeued ones at the front) */
  waiting: EventRecord[] = []
  waitingBytes = 0

  add(r: EventRecord): void {
    this.open.set(r.id, r)
  }

  enqueue(r: EventRecord): void {
    r.state = 'queued'
    this.waiting.push(r)
    this.waitingBytes += r.bytes
  }

  /** Put records back at the front, in their order, to be sent before newer ones. */
  requeueFront(rs: EventRecord[]): void {
    for (const r of rs) {
      r.state = 'queued'
      r.dueAt = 0
      this.waitingBytes += r.bytes
    }
    this.waiting = rs.concat(this.waiting)
  }

  /** The longest prefix of waiting records within `maxEvents` and `maxBytes` (always at least one). */
  take(maxEvents: number, maxBytes: number): EventRecord[] {
    let bytes = 0
    let k = 0
    while (k < this.waiting.length && k < maxEvents) {
      const b = this.waiting[k]!.bytes + 1
      if (k > 0 && bytes + b > maxBytes) break
      bytes += b
      k++
    }
    const batch = this.waiting.splice(0, k)
    for (const r of batch) {
      r.state = 'sending'
      this.waitingBytes -= r.bytes
    }
    return batch
  }

  /** Settle: the record leaves the client. False when it had already settled (an answer after shutdown). */
  close(r: EventRecord): boolean {
    if (r.state === 'done') return false
    if (r.state === 'queued') {
      const i = this.waiting.indexOf(r)
      if (i >= 0) {
        this.waiting.splice(i, 1)
        this.waitingBytes -= r.bytes
      }
    }
    r.state = 'done'
    this.open.delete(r.id)
    return true
  }

  /** Every unsettled record, leaving none waiting (shutdown): the caller settles each. */
  takeAllOpen(): EventRecord[] {
    this.waiting = []
    this.waitingBytes = 0
    const all = [...this.open.values()]
    for (const r of all) r.state = 'sending'
    return all
  }

  /** Sequence number of the oldest unsettled record (Infinity when none). */
  oldestOpenSeq(): number {
    const first = this.open.values().next()
    return first.done ? Infinity : first.value.seq
  }
}
