// Step 1 of the OTLP routes: read the body within the same byte limits and encodings as /v1/batch, then
// decode it as OTLP protobuf (application/x-protobuf) or OTLP/JSON (application/json). Failures refuse the
// whole request (400 / 413 / 415) and say in which encoding to answer.
import type { Readable } from 'node:stream'
import type { Limits } from '../../../common/config.ts'
import { decodeProtobufRequest, type SignalKind } from '../otlp/otlpProto.ts'
import type { OtlpItem } from '../otlp/otlpToItems.ts'
import { spansFromProtobuf } from '../otlp/spansFromProtobuf.ts'
import { otlpEncodingOf, type OtlpEncoding } from '../refusals.ts'
import { mediaType, readDecompressedBody } from './decodeBody.ts'

export type { OtlpEncoding }
export type OtlpDecodeResult =
  | { ok: true; request: unknown; encoding: OtlpEncoding; bytes: number }
  /** protobuf traces in the common shape, already mapped to span items in the same pass (spansFromProtobuf.ts) */
  | { ok: true; items: OtlpItem[]; encoding: OtlpEncoding; bytes: number }
  | { ok: false; status: 400 | 413 | 415; message: string; encoding: OtlpEncoding }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** `incoming`: the Node request under the web Request when there is one (read directly, as /v1/batch does: decodeBody.ts). */
export async function decodeOtlp(req: Request, kind: SignalKind, limits: Limits, incoming?: Readable): Promise<OtlpDecodeResult> {
  const type = mediaType(req)
  const encoding = otlpEncodingOf(req)
  if (type !== 'application/x-protobuf' && type !== 'application/json') {
    return { ok: false, status: 415, encoding, message: `Content-Type ${type ? `"${type}"` : '(missing)'} is not supported: send application/x-protobuf or application/json` }
  }
  const read = await readDecompressedBody(req, limits, incoming)
  if (!read.ok) return { ...read, encoding }
  const { body } = read
  if (encoding === 'protobuf') {
    const items = kind === 'traces' ? spansFromProtobuf(body) : null
    if (items) return { ok: true, items, encoding, bytes: body.length }
    try {
      return { ok: true, request: decodeProtobufRequest(kind, body), encoding, bytes: body.length }
    } catch (err) {
      return { ok: false, status: 400, encoding, message: `body is not a valid protobuf Export${kind === 'traces' ? 'Trace' : kind === 'metrics' ? 'Metrics' : 'Logs'}ServiceRequest: ${(err as Error).message}` }
    }
  }
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return { ok: false, status: 400, encoding, message: 'body is not valid UTF-8' }
  }
  try {
    return { ok: true, request: text.trim() === '' ? {} : JSON.parse(text), encoding, bytes: body.length }
  } catch (err) {
    return { ok: false, status: 400, encoding, message: `malformed JSON: ${(err as Error).message}` }
  }
}
