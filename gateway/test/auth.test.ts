// Access control on the ingest routes: write keys (401 / 403), per-key rate limit (429), CORS.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { createVerifier, newWriteKey, openWriteKeyStore, writeKeyFile } from '../src/auth/writeKeys.ts'
import { takeToken } from '../src/middleware/rateLimitPerKey.ts'
import { postBatch, testApp, TEST_DEV_KEY } from './fakes.ts'

// the random part of tk_<12 hex>_<43 chars>: base64url may itself contain '_', so not split('_')[2]
const secretOf = (key: string) => key.slice('tk_000000000000_'.length)

const batchFor = (app_id: string) => ({ meta: { app_id, category: 'web' }, data: [{ id: '1', name: 'n', timestamp: 1764064800000 }] })
const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const shop = newWriteKey('shop-web')
const anyApp = newWriteKey('*')
const revoked = newWriteKey('shop-web')
revoked.record.revoked_at = '2026-01-01T00:00:00.000Z'
const keys = [shop.record, anyApp.record, revoked.record]

describe('write keys: who may send', () => {
  it('auth is on by default: loadConfig without AUTH_REQUIRED requires a key', async () => {
    expect(loadConfig({}).auth.required).toBe(true)
    const { app, producer } = testApp()
    const res = await postBatch(app, batchFor('shop-web'), {}, { withDevKey: false })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(((await res.json()) as { message: string }).message).toMatch(/write key is required/)
    expect(producer.sent).toEqual([])
  })

  it.each([
    ['an unknown key', bearer('tk_000000000000_' + 'A'.repeat(43))],
    ['a known id with a wrong secret', bearer(shop.key.slice(0, -4) + 'AAAA')],
    ['a revoked key', bearer(revoked.key)],
    ['a key that is not a key', bearer('not-a-key')],
    ['another scheme', { authorization: `Basic ${Buffer.from(`x:${shop.key}`).toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 for %s and produces nothing', async (_label, headers) => {
    const { app, producer, metrics } = testApp({ keys })
    const res = await postBatch(app, batchFor('shop-web'), headers, { withDevKey: false })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: number }).code).toBe(2)
    expect(producer.sent).toEqual([])
    expect(await metrics.registry.getSingleMetricAsString('gateway_auth_failures_total')).toMatch(/reason="(missing|unknown)"} 1/)
  })

  it('accepts a key for its own app', async () => {
    const { app, producer } = testApp({ keys })
    const res = await postBatch(app, batchFor('shop-web'), bearer(shop.key), { withDevKey: false })
    expect(res.status).toBe(200)
    expect(producer.sent.length).toBe(1)
  })

  it('answers 403 when a key writes to another app, naming both, and produces nothing', async () => {
    const { app, producer, metrics } = testApp({ keys })
    const res = await postBatch(app, batchFor('other-app'), bearer(shop.key), { withDevKey: false })
    expect(res.status).toBe(403)
    const body = (await res.json()) as { message: string; parts: unknown[] }
    expect(body.message).toBe(`write key ${shop.record.id} may write to app "shop-web" only, not to "other-app"`)
    expect(body.parts).toEqual([])
    expect(producer.sent).toEqual([])
    expect(await metrics.registry.getSingleMetricAsString('gateway_auth_failures_total')).toContain('reason="wrong_app"} 1')
  })

  it.each([
    ['a "*" key', anyApp.key],
    ['the dev key (DEV_WRITE_KEY)', TEST_DEV_KEY],
  ])('%s writes to any app', async (_label, key) => {
    const { app } = testApp({ keys })
    for (const appId of ['shop-web', 'other-app']) {
      expect((await postBatch(app, batchFor(appId), bearer(key), { withDevKey: false })).status).toBe(200)
    }
  })

  it('takes the key from ?write_key= for sendBeacon (text/plain, no headers), and never logs it', async () => {
    const { app, logLines } = testApp({ keys })
    const res = await postBatch(app, JSON.stringify(batchFor('shop-web')), { 'content-type': 'text/plain;charset=UTF-8' }, { withDevKey: false, path: `/v1/batch?write_key=${shop.key}` })
    expect(res.status).toBe(200)
    const wrongApp = await postBatch(app, batchFor('x'), {}, { withDevKey: false, path: `/v1/batch?write_key=${shop.key}` })
    expect(wrongApp.status).toBe(403)
    await postBatch(app, batchFor('shop-web'), bearer(shop.key), { withDevKey: false })
    expect(logLines.length).toBe(3)
    const secret = secretOf(shop.key)
    for (const line of logLines) {
      expect(line).not.toContain(secret)
      expect(JSON.parse(line).key_id).toBe(shop.record.id) // which key wrote is logged, by id
    }
  })

  it('with AUTH_REQUIRED=false accepts requests without a key, but still refuses a wrong one', async () => {
    const { app } = testApp({ keys, env: { AUTH_REQUIRED: 'false' } })
    expect((await postBatch(app, batchFor('shop-web'), {}, { withDevKey: false })).status).toBe(200)
    expect((await postBatch(app, batchFor('shop-web'), bearer('tk_000000000000_' + 'A'.repeat(43)), { withDevKey: false })).status).toBe(401)
    expect((await postBatch(app, batchFor('x'), bearer(shop.key), { withDevKey: false })).status).toBe(403)
  })

  it('guards only ingest routes: health and metrics need no key', async () => {
    const { app } = testApp({ keys })
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/metrics')).status).toBe(200)
  })
})

describe('the key file', () => {
  const dirs: string[] = []
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'keys-'))
    dirs.push(d)
    return d
  }
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('stores a salted hash, never the key', () => {
    const dir = tempDir()
    const file = join(dir, 'keys.json')
    writeKeyFile(file, { version: 1, keys: [shop.record] })
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain(secretOf(shop.key))
    expect(createVerifier([shop.record])(shop.key)).toMatchObject({ keyId: shop.record.id, appId: 'shop-web' })
  })

  it('is re-read on reload (SIGHUP / file change); a broken file keeps the keys already loaded', () => {
    const dir = tempDir()
    const file = join(dir, 'keys.json')
    const errors: string[] = []
    const store = openWriteKeyStore({ file, onError: (e) => errors.push(e.message) })
    expect(store.verify(shop.key)).toBeNull() // no file yet: no keys
    writeKeyFile(file, { version: 1, keys: [shop.record] })
    expect(store.reload()).toBe(true)
    expect(store.verify(shop.key)?.appId).toBe('shop-web')
    writeFileSync(file, '{ "version": 1, "keys": [ { "id": "x" } ] }')
    expect(store.reload()).toBe(false)
    expect(errors[0]).toMatch(/keys\.0\.id/)
    expect(store.verify(shop.key)?.appId).toBe('shop-web')
    store.close()
  })

  it('refuses to start on a broken file, with the file and field named', () => {
    const dir = tempDir()
    const file = join(dir, 'keys.json')
    writeFileSync(file, 'not json')
    expect(() => openWriteKeyStore({ file })).toThrow(`write key file ${file} is not valid JSON`)
  })
})

describe('per-key rate limit', () => {
  it('answers 429 with Retry-After once a key has used its burst; other keys are not affected', async () => {
    // a slow refill (one request per 100 s), so a busy test machine cannot refill the bucket between requests
    const { app, metrics } = testApp({ keys, env: { RATE_LIMIT_REQUESTS_PER_SECOND: '0.01', RATE_LIMIT_BURST: '2' } })
    const send = (key: string) => postBatch(app, batchFor('shop-web'), bearer(key), { withDevKey: false })
    expect((await send(shop.key)).status).toBe(200)
    expect((await send(shop.key)).status).toBe(200)
    const limited = await send(shop.key)
    expect(limited.status).toBe(429)
    // 0.01 tokens/s and an empty bucket: the next token is about 100 s away (less what refilled meanwhile)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(90)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(100)
    const body = (await limited.json()) as { retryable: boolean; message: string }
    expect(body.retryable).toBe(true)
    expect(body.message).toContain(`write key ${shop.record.id}`)
    expect((await send(anyApp.key)).status).toBe(200)
    expect(await metrics.registry.getSingleMetricAsString('gateway_rate_limited_total')).toContain(`key_id="${shop.record.id}"} 1`)
  })

  it('uses the rate and burst a key sets for itself', async () => {
    const limitedKey = newWriteKey('shop-web', { ratePerSecond: 0.02, burst: 1 })
    const { app } = testApp({ keys: [limitedKey.record], env: { RATE_LIMIT_REQUESTS_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' } })
    const send = () => postBatch(app, batchFor('shop-web'), bearer(limitedKey.key), { withDevKey: false })
    expect((await send()).status).toBe(200)
    const limited = await send()
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(40)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(50)
  })

  it('refills the bucket with time', () => {
    const bucket = { tokens: 2, updatedMs: 0, rate: 4, burst: 2 }
    expect(takeToken(bucket, 0)).toEqual({ ok: true })
    expect(takeToken(bucket, 0)).toEqual({ ok: true })
    expect(takeToken(bucket, 0)).toEqual({ ok: false, waitMs: 250 })
    expect(takeToken(bucket, 250)).toEqual({ ok: true })
    expect(takeToken(bucket, 10_000)).toEqual({ ok: true }) // capped at burst, not 40 tokens
    expect(takeToken(bucket, 10_000)).toEqual({ ok: true })
    expect(takeToken(bucket, 10_000).ok).toBe(false)
  })
})

describe('CORS (CORS_ALLOWED_ORIGINS)', () => {
  const preflight = (app: ReturnType<typeof testApp>['app'], origin: string) =>
    app.request('/v1/batch', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })

  it('answers a preflight from an allowed origin without a key, allowing the SDK headers', async () => {
    const { app } = testApp({ env: { CORS_ALLOWED_ORIGINS: 'https://shop.example, https://admin.example' } })
    const res = await preflight(app, 'https://shop.example')
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(res.headers.get('access-control-allow-methods')).toBe('POST,OPTIONS')
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual(['Authorization', 'Content-Type', 'Content-Encoding', 'traceparent', 'X-Request-ID'])
    expect(res.headers.get('access-control-expose-headers')).toBe('X-Request-ID,Retry-After')
  })

  it('gives no allow-origin to other origins, and says why in the body', async () => {
    const { app } = testApp({ env: { CORS_ALLOWED_ORIGINS: 'https://shop.example' } })
    const res = await preflight(app, 'https://evil.example')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect(res.status).toBe(200)
    expect(((await res.json()) as { message: string }).message).toBe('CORS preflight from origin https://evil.example refused: this origin is not in its list (set CORS_ALLOWED_ORIGINS on the gateway to allow it)')
  })

  it('lets an allowed browser read refusals too (401 carries the CORS headers)', async () => {
    const { app } = testApp({ env: { CORS_ALLOWED_ORIGINS: '*' } })
    const res = await postBatch(app, batchFor('a'), { origin: 'https://any.example' }, { withDevKey: false })
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-expose-headers')).toBe('X-Request-ID,Retry-After')
  })

  it('sends no CORS headers at all when no origin is configured (the default)', async () => {
    const { app } = testApp()
    const res = await preflight(app, 'https://shop.example')
    // not a 401 (it carries no key, as every preflight): an answer that says CORS is off, without CORS headers
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect(res.headers.get('access-control-allow-methods')).toBeNull()
    expect((await res.json()) as Record<string, unknown>).toMatchObject({ code: 2, message: 'CORS preflight from origin https://shop.example refused: CORS is not enabled on this gateway (set CORS_ALLOWED_ORIGINS on the gateway to allow it)' })
    // an OPTIONS that is not a preflight (no Access-Control-Request-Method) still meets the key check
    expect((await app.request('/v1/batch', { method: 'OPTIONS', headers: { origin: 'https://shop.example' } })).status).toBe(401)
    const post = await postBatch(app, batchFor('a'), { origin: 'https://shop.example' })
    expect(post.status).toBe(200)
    expect(post.headers.get('access-control-allow-origin')).toBeNull()
  })
})
