// The registry: every kind of item the pipeline takes, one declaration each (the TelemetryType shape of
// telemetryType.ts). A category reserved by a type (spans, metrics, logs) holds that type's items; any other
// category holds generic events. /v1/batch finds its items' type here, the OTLP routes theirs, the consumer
// a topic's table and row mapper. A new kind of item is one new file in schemas/, its line here, its DDL
// (schemas/clickhouse/) and a golden payload (schemas/examples/).
import { eventType } from './eventType.ts'
import { logRecordType } from './logRecord.ts'
import { metricPointType } from './metricPoint.ts'
import { spanType } from './span.ts'
import { ANY_CATEGORY, type TelemetryType } from './telemetryType.ts'

export const telemetryTypes: readonly TelemetryType[] = [eventType, spanType, metricPointType, logRecordType].map((t) => t as unknown as TelemetryType)

const byCategory = new Map(telemetryTypes.map((t) => [t.category, t]))

/** The type whose items a category holds: the one reserving it, else the generic event. */
export function typeForCategory(category: string): TelemetryType {
  return byCategory.get(category) ?? byCategory.get(ANY_CATEGORY)!
}

/** The category a topic was named for by the template (`telemetry.{category}`), or null. */
export function categoryOfTopic(template: string, topic: string): string | null {
  const [before, after] = template.split('{category}') as [string, string]
  if (!topic.startsWith(before) || !topic.endsWith(after) || topic.length <= before.length + after.length) return null
  return topic.slice(before.length, topic.length - after.length)
}
