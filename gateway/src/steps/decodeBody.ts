// Step 1 of POST /v1/batch: read the body within the byte limits, undo Content-Encoding, check UTF-8,
// parse JSON. Everything that fails here fails the whole request (400 / 413 / 415).
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import type { Limits } from '../../../common/config.ts'
import { formatBytes } from '../format.ts'

export type DecodeResult =
  | { ok: true; json: unknown; compressedBytes: number; bytes: number }
  | { ok: false; status: 400 | 413 | 415; message: string }

type Decompressor = (buf: Buffer, opts: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>

const decompressors: Record<string, Decompressor | undefined> = {
  gzip: promisify(zlib.gunzip) as Decompressor,
  'x-gzip': promisify(zlib.gunzip) as Decompressor,
  deflate: inflateEitherForm,
  br: promisify(zlib.brotliDecompress) as Decompressor,
  // zstd exists in Node >= 22.15 / 23.8; older runtimes answer 415 for it.
  ...(typeof (zlib as { zstdDecompress?: unknown }).zstdDecompress === 'function'
    ? { zstd: promisify((zlib as unknown as { zstdDecompress: typeof zlib.gunzip }).zstdDecompress) as Decompressor }
    : {}),
}

export const supportedEncodings = ['identity', ...Object.keys(decompressors)]

// HTTP "deflate" is meant to be zlib-wrapped, but some clients send raw deflate: accept both.
async function inflateEitherForm(buf: Buffer, opts: zlib.ZlibOptions): Promise<Buffer> {
  try {
    return await promisify(zlib.inflate)(buf, opts)
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err
    return await promisify(zlib.inflateRaw)(buf, opts)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * `incoming`: the Node request under @hono/node-server's Request (the route's c.env.incoming), when there is
 * one: its body is read from it directly, without the web Request and stream that req.body builds on first use.
 */
export async function decodeBody(req: Request, limits: Limits, incoming?: Readable): Promise<DecodeResult> {
  const contentType = mediaType(req)
  if (contentType !== 'application/json' && contentType !== 'text/plain') {
    return {
      ok: false,
      status: 415,
      message: `Content-Type ${contentType ? `"${contentType}"` : '(missing)'} is not supported: send application/json or text/plain`,
    }
  }
  const read = await readDecompressedBody(req, limits, incoming)
  if (!read.ok) return read
  const { body, compressedBytes } = read

  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return { ok: false, status: 400, message: 'body is not valid UTF-8' }
  }
  if (text.trim() === '') return { ok: false, status: 400, message: 'body is empty: expected {"meta": {...}, "data": [...]}' }
  try {
    return { ok: true, json: JSON.parse(text), compressedBytes, bytes: body.length }
  } catch (err) {
    return { ok: false, status: 400, message: `malformed JSON: ${(err as Error).message}` }
  }
}

/** The request's media type, lower case, without parameters ("application/json; charset=utf-8" → "application/json"). */
export function mediaType(req: Request): string {
  return (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

export type ReadResult =
  | { ok: true; body: Buffer; compressedBytes: number }
  | { ok: false; status: 400 | 413 | 415; message: string }

/** The body within LIMIT_BODY_BYTES, with Content-Encoding undone within LIMIT_DECOMPRESSED_BYTES (also used by the OTLP routes). */
export async function readDecompressedBody(req: Request, limits: Limits, incoming?: Readable): Promise<ReadResult> {
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() || 'identity'
  const decompress = decompressors[encoding]
  if (encoding !== 'identity' && !decompress) {
    return {
      ok: false,
      status: 415,
      message: `Content-Encoding "${encoding}" is not supported: use one of ${supportedEncodings.join(', ')}`,
    }
  }

  const declared = Number(req.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > limits.bodyBytes) {
    return tooLarge(`body is ${formatBytes(declared)}, limit ${formatBytes(limits.bodyBytes)} (LIMIT_BODY_BYTES)`)
  }
  const raw = isUnreadStream(incoming) ? await readStreamAtMost(incoming, limits.bodyBytes, declared) : await readAtMost(req, limits.bodyBytes)
  if (raw === 'too-large') return tooLarge(`body is larger than the limit ${formatBytes(limits.bodyBytes)} (LIMIT_BODY_BYTES)`)

  let body = raw
  if (decompress) {
    try {
      body = await decompress(raw, { maxOutputLength: limits.decompressedBytes })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return tooLarge(
          `decompressed body is larger than the limit ${formatBytes(limits.decompressedBytes)} (LIMIT_DECOMPRESSED_BYTES)`,
        )
      }
      return { ok: false, status: 400, message: `body is not valid ${encoding} data: ${(err as Error).message}` }
    }
  } else if (raw.length > limits.decompressedBytes) {
    return tooLarge(`body is ${formatBytes(raw.length)}, limit ${formatBytes(limits.decompressedBytes)} (LIMIT_DECOMPRESSED_BYTES)`)
  }
  return { ok: true, body, compressedBytes: raw.length }
}

function tooLarge(message: string): { ok: false; status: 413; message: string } {
  return { ok: false, status: 413, message }
}

/**
 * A Node stream's bytes, at most `limit` of them: with a declared Content-Length, copied into one buffer of
 * that size as they arrive; without, the chunks concatenated once at the end. Past the limit the answer is
 * 'too-large' at once and the rest of the stream is drained.
 */
export function readStreamAtMost(stream: Readable, limit: number, declared = NaN): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    let one = Number.isInteger(declared) && declared >= 0 && declared <= limit ? Buffer.allocUnsafe(declared) : null
    let chunks: Buffer[] = []
    let total = 0
    const onData = (chunk: Buffer) => {
      const at = total
      total += chunk.length
      if (total > limit) {
        // the rest is read and dropped, so the 413 still reaches the client (destroying the request
        // would reset the connection first); REQUEST_TIMEOUT_MS bounds how long that may take
        done()
        stream.resume()
        resolve('too-large')
      } else if (one && total <= one.length) {
        chunk.copy(one, at)
      } else {
        // more than Content-Length said: Node's parser never lets this happen, but the chunks stay right
        if (one) chunks = [one.subarray(0, at)]
        one = null
        chunks.push(chunk)
      }
    }
    const onEnd = () => {
      done()
      resolve(one ? (total === one.length ? one : one.subarray(0, total)) : Buffer.concat(chunks, total))
    }
    const onError = (err: Error) => {
      done()
      reject(err)
    }
    const onClose = () => onError(new Error('the request body ended before it was complete'))
    const done = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
    }
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose)
  })
}

/** A Node stream nothing has read yet (tests pass a bare { socket } as the bindings' incoming). */
const isUnreadStream = (s: Readable | undefined): s is Readable => typeof s?.on === 'function' && s.readableDidRead === false

async function readAtMost(req: Request, limit: number): Promise<Buffer | 'too-large'> {
  if (!req.body) return Buffer.alloc(0)
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = req.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      return 'too-large'
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total)
}
