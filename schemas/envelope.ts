// The batch envelope of POST /v1/batch: { meta, data }. The envelope is checked as a whole (a bad one
// rejects the request); the items of `data` are validated one by one with the event type's schema.
import { z } from 'zod'
import { epochMsOrRfc3339 } from './time.ts'

export const CATEGORY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

export const batchMetaSchema = z.strictObject({
  app_id: z.string().min(1).max(128),
  category: z
    .string()
    .regex(CATEGORY_PATTERN, 'must be 1-64 characters of letters, digits, "_", "-" or "." (it names a Kafka topic)'),
  sdk: z.strictObject({ name: z.string().min(1).max(64), version: z.string().min(1).max(64) }).optional(),
  sent_at: epochMsOrRfc3339.optional(),
  device_id: z.string().min(1).max(128).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
})

export const batchEnvelopeSchema = z.object({
  meta: batchMetaSchema,
  data: z.array(z.unknown(), { error: 'data must be an array of events' }).min(1, 'data must hold at least one event'),
})

export type BatchMeta = z.output<typeof batchMetaSchema>
export type BatchEnvelope = z.output<typeof batchEnvelopeSchema>

/** A one-line, human-readable summary of a zod error: "meta.category: must be ...; data: ..." */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.')
      return path ? `${path}: ${i.message}` : i.message
    })
    .join('; ')
}
