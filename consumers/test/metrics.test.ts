import { describe, expect, it } from 'vitest'
import { createConsumerMetrics } from '../src/metrics.ts'
import type { InboundMessage } from '../src/inboundMessage.ts'

const message = (offset: number): InboundMessage => ({ topic: 'telemetry.web', partition: 1, offset: String(offset), key: null, value: Buffer.from('{}'), headers: {} })

async function lagOf(metrics: ReturnType<typeof createConsumerMetrics>) {
  const lag = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'consumer_lag')!
  return lag.values.map((v) => ({ labels: v.labels, value: v.value }))
}

describe('consumer_lag', () => {
  it('is set when a batch starts loading (from its first offset) and again after its commit', async () => {
    const metrics = createConsumerMetrics()
    const messages = [message(100), message(101), message(102)]
    metrics.recordFetch({ messages, highWatermark: '1000' })
    expect(await lagOf(metrics)).toEqual([{ labels: { topic: 'telemetry.web', partition: '1' }, value: 900 }])
    metrics.recordBatch({ table: 'events', messages, inserted: 3, deadLettered: 0, insertSeconds: 0.01, highWatermark: '1000', nextOffset: '103' })
    expect(await lagOf(metrics)).toEqual([{ labels: { topic: 'telemetry.web', partition: '1' }, value: 897 }])
  })

  it('is left as it was when the fetch did not say the log end', async () => {
    const metrics = createConsumerMetrics()
    metrics.recordFetch({ messages: [message(5)] })
    expect(await lagOf(metrics)).toEqual([])
  })
})
