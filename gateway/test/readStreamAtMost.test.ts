// The body read straight from the Node request (decodeBody's path under @hono/node-server): every byte in
// order, with and without a declared length, and 'too-large' past the limit, without waiting for the rest.
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readStreamAtMost } from '../src/steps/decodeBody.ts'

const bytes = (n: number, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + 3) % 251))
const chunked = (buf: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)))

describe('readStreamAtMost', () => {
  const body = bytes(100_000)
  it('reads a body of the declared length into one buffer, in order', async () => {
    expect(((await readStreamAtMost(chunked(body, 16_384), 1_000_000, body.length)) as Buffer).equals(body)).toBe(true)
  })
  it('reads a body without a declared length (chunked), in order', async () => {
    expect(((await readStreamAtMost(chunked(body, 1000), 1_000_000)) as Buffer).equals(body)).toBe(true)
  })
  it('keeps every byte when the stream holds more or less than declared', async () => {
    expect(((await readStreamAtMost(chunked(body, 4096), 1_000_000, 50_000)) as Buffer).equals(body)).toBe(true)
    expect(((await readStreamAtMost(chunked(body, 4096), 1_000_000, 150_000)) as Buffer).equals(body)).toBe(true)
  })
  it('reads an empty body', async () => {
    expect(((await readStreamAtMost(Readable.from([]), 10, 0)) as Buffer).length).toBe(0)
  })
  it('answers too-large past the limit without waiting for the end, and drains the rest (the 413 must still reach the client)', async () => {
    const s = new PassThrough()
    const read = readStreamAtMost(s, 1000)
    s.write(bytes(600))
    s.write(bytes(600)) // not ended yet
    expect(await read).toBe('too-large')
    expect(s.destroyed).toBe(false)
    const ended = new Promise((r) => s.once('end', r))
    for (let i = 0; i < 100; i++) s.write(bytes(16_384)) // far past any buffer: read and dropped
    s.end()
    await ended
  })
  it('rejects when the stream fails or closes before its end (the client went away)', async () => {
    const failing = new PassThrough()
    const read = readStreamAtMost(failing, 1000)
    failing.write(bytes(10))
    failing.destroy(new Error('aborted'))
    await expect(read).rejects.toThrow('aborted')
    const closing = new PassThrough()
    const read2 = readStreamAtMost(closing, 1000)
    closing.destroy()
    await expect(read2).rejects.toThrow('ended before it was complete')
  })
})
