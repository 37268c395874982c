// The registry of typed telemetry: category → declaration. /v1/batch uses it to pick the item schema for
// a category, the OTLP routes to find their type, the consumer to route a topic to its table and mapper.
// Any other category is a generic event (schemas/event.ts → table events).
import { logRecordType } from './logRecord.ts'
import { metricPointType } from './metricPoint.ts'
import { spanType } from './span.ts'
import type { TelemetryType } from './telemetryType.ts'

export const telemetryTypes = {
  spans: spanType,
  metrics: metricPointType,
  logs: logRecordType,
} as const

export type TelemetryCategory = keyof typeof telemetryTypes

export function typeForCategory(category: string): TelemetryType<unknown, { backend_id: string }> | undefined {
  return Object.hasOwn(telemetryTypes, category) ? (telemetryTypes[category as TelemetryCategory] as unknown as TelemetryType<unknown, { backend_id: string }>) : undefined
}

/** The category a topic was named for by the template (`telemetry.{category}`), or null. */
export function categoryOfTopic(template: string, topic: string): string | null {
  const [before, after] = template.split('{category}') as [string, string]
  if (!topic.startsWith(before) || !topic.endsWith(after) || topic.length <= before.length + after.length) return null
  return topic.slice(before.length, topic.length - after.length)
}
