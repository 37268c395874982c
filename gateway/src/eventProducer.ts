// The gateway's one door to Kafka, as a port: the EventProducer interface and what its implementations
// share. Steps depend on this module only; unit tests pass a fake, the running gateway the @platformatic/kafka
// implementation (platformaticEventProducer.ts, the default) or the kafkajs one (kafkajsEventProducer.ts),
// chosen by KAFKA_PRODUCER_CLIENT in server.ts. No Kafka client library is loaded from here.

export type OutgoingMessage = { key: string; value: string; headers: Record<string, string> }

export interface EventProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas; rejects otherwise. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>
  /** True when the broker answered recently (a cheap, cached probe). */
  isReady(): Promise<boolean>
  close(): Promise<void>
}

/**
 * Readiness as a cheap, cached probe: one broker round trip at most once a second, and a down or frozen
 * broker answers "not ready" within 2 s (or the produce timeout, if shorter).
 */
export function cachedProbe(check: () => Promise<unknown>, timeoutMs: number, cacheMs = 1_000): () => Promise<boolean> {
  let probe: { at: number; ok: Promise<boolean> } | null = null
  return () => {
    const now = Date.now()
    if (probe && now - probe.at < cacheMs) return probe.ok
    const ok = withTimeout(check(), Math.min(timeoutMs, 2_000)).then(
      () => true,
      () => false,
    )
    probe = { at: now, ok }
    return ok
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
