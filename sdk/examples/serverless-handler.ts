// A serverless handler: the platform may freeze the process as soon as the handler returns, so await
// flush() before returning (it resolves when every event tracked so far is accepted, refused or dropped).
import { createClient } from '../src/node.ts'

const telemetry = createClient({
  endpoint: process.env.TELEMETRY_ENDPOINT ?? 'http://127.0.0.1:8080',
  writeKey: process.env.TELEMETRY_WRITE_KEY ?? '',
  appId: 'image-resizer',
  category: 'jobs',
  maxAttempts: 3, // a handler has seconds, not minutes
  backoffMaxMs: 2_000,
})

export async function handler(event: { imageId: string }): Promise<{ ok: boolean }> {
  telemetry.track('image_resized', { image_id: event.imageId })
  const { pending, dropped } = await telemetry.flush()
  if (pending || dropped) console.warn(`telemetry: ${pending} pending, ${dropped} dropped`)
  return { ok: true }
}
