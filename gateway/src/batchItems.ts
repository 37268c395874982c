// The Kafka values the gateway writes for one /v1/batch envelope, without Kafka: its validate and enrich
// steps with given request facts. For tools (scripts/sample-rows.ts, loadtest/) and tests that need the real
// records; the route itself runs the same steps in routes/ingestItems.ts.
import type { Limits } from '../../common/config.ts'
import type { BatchEnvelope } from '../../schemas/envelope.ts'
import type { Place, TelemetryType } from '../../schemas/telemetryType.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { anonymizeIp, type IpAnonymization } from './anonymizeIp.ts'
import { enrichItems, type EnrichOutcome } from './steps/enrichItems.ts'
import { splitAndValidate } from './steps/splitAndValidate.ts'

export type BatchFacts = { receivedAt: number; requestId?: string; clientIp?: string; maxFutureMs?: number; ipAnonymization?: IpAnonymization; geo?: (ip: string) => Place }

export function batchItems(envelope: BatchEnvelope, limits: Limits, facts: BatchFacts): { type: TelemetryType; outcomes: EnrichOutcome[] } {
  const { meta, data } = envelope
  const type = typeForCategory(meta.category)
  const validated = splitAndValidate(data, type, limits)
  const outcomes = enrichItems(validated, type, {
    requestId: facts.requestId ?? 'r',
    receivedAt: facts.receivedAt,
    appId: meta.app_id,
    category: meta.category,
    meta,
    clientIp: facts.clientIp ?? '',
    maxFutureMs: facts.maxFutureMs ?? 86_400_000,
    geo: facts.geo ?? (() => ({ country: '', region: '', city: '' })),
    anonymizeIp: (ip) => anonymizeIp(ip, facts.ipAnonymization ?? 'off'),
  })
  return { type, outcomes }
}
