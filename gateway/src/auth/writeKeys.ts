// Write keys: who may send events for which app. The key file (WRITE_KEYS_FILE, default .local/keys.json,
// managed by `npm run keys`) holds, per key, its public id, its app (or "*"), a salted SHA-256 of the secret,
// times and an optional rate. The secret itself is shown once at creation and never stored.
//
// Why SHA-256 and not scrypt/bcrypt: a slow hash protects low-entropy passwords against guessing. A write key
// is 32 random bytes (256 bits): no guessing attack exists to slow down, and a slow hash on every request
// would hand attackers a cheap way to burn the gateway's CPU. The per-key salt keeps equal secrets (never
// expected) from having equal hashes and makes a leaked file useless as a lookup table.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'

export const ANY_APP = '*'
const KEY_PREFIX = 'tk'
const KEY_SHAPE = /^tk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/

const keyRecordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  app_id: z.string().min(1).max(128),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
  /** Per-key override of RATE_LIMIT_REQUESTS_PER_SECOND / RATE_LIMIT_BURST. */
  rate_per_second: z.number().min(0).nullable().optional(),
  burst: z.number().int().min(1).nullable().optional(),
  note: z.string().max(200).optional(),
})
const keyFileSchema = z.object({ version: z.literal(1), keys: z.array(keyRecordSchema) })

export type WriteKeyRecord = z.infer<typeof keyRecordSchema>
export type KeyFile = z.infer<typeof keyFileSchema>

/** What a request is allowed to do once its key is verified. */
export type WriteScope = { keyId: string; appId: string; ratePerSecond?: number; burst?: number }

export function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update(':').update(secret).digest('hex')
}

/** A new key: the record to store and the secret to print once. */
export function newWriteKey(appId: string, opts: { ratePerSecond?: number; burst?: number; note?: string } = {}, now = new Date()) {
  const id = randomBytes(6).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  const salt = randomBytes(16).toString('hex')
  const record: WriteKeyRecord = {
    id,
    app_id: appId,
    salt,
    hash: hashSecret(salt, `${KEY_PREFIX}_${id}_${secret}`),
    created_at: now.toISOString(),
    revoked_at: null,
    rate_per_second: opts.ratePerSecond ?? null,
    burst: opts.burst ?? null,
    ...(opts.note ? { note: opts.note } : {}),
  }
  return { record, key: `${KEY_PREFIX}_${id}_${secret}` }
}

export function readKeyFile(path: string): KeyFile {
  if (!existsSync(path)) return { version: 1, keys: [] }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`write key file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = keyFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`write key file ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}

/** Replace the file atomically (write + rename), readable by its owner only. */
export function writeKeyFile(path: string, file: KeyFile) {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

export type WriteKeyVerifier = (presented: string) => WriteScope | null

/**
 * Checks a presented key against the records (and the dev key). The key's id selects the record; the hashes
 * are compared with timingSafeEqual, and an unknown id still costs one hash and one comparison.
 */
export function createVerifier(records: WriteKeyRecord[], devKey?: string): WriteKeyVerifier {
  const active = new Map(records.filter((r) => r.revoked_at === null).map((r) => [r.id, r]))
  const devHash = devKey === undefined ? null : createHash('sha256').update(devKey).digest()
  const dummy = { salt: '0'.repeat(32), hash: '0'.repeat(64) }
  return (presented) => {
    if (devHash !== null) {
      const h = createHash('sha256').update(presented).digest()
      if (timingSafeEqual(h, devHash)) return { keyId: 'dev', appId: ANY_APP }
    }
    const m = KEY_SHAPE.exec(presented)
    const record = m ? active.get(m[1]!) : undefined
    const target = record ?? dummy
    const match = timingSafeEqual(Buffer.from(hashSecret(target.salt, presented), 'hex'), Buffer.from(target.hash, 'hex'))
    if (!record || !match) return null
    return {
      keyId: record.id,
      appId: record.app_id,
      ...(record.rate_per_second != null ? { ratePerSecond: record.rate_per_second } : {}),
      ...(record.burst != null ? { burst: record.burst } : {}),
    }
  }
}

export type WriteKeyStore = { verify: WriteKeyVerifier; reload: () => boolean; count: () => number; close: () => void }

/**
 * The gateway's view of the key file: loaded at start (a broken file stops the start), reloaded when the file
 * changes (polled every `pollMs`, so an atomic rename by the CLI is seen too) or when reload() is called
 * (SIGHUP). A broken file on reload keeps the keys already loaded and reports the error.
 */
export function openWriteKeyStore(opts: { file: string; devKey?: string; pollMs?: number; onReload?: (count: number) => void; onError?: (err: Error) => void }): WriteKeyStore {
  let records = readKeyFile(opts.file).keys
  let verify = createVerifier(records, opts.devKey)
  const reload = () => {
    try {
      records = readKeyFile(opts.file).keys
      verify = createVerifier(records, opts.devKey)
      opts.onReload?.(records.length)
      return true
    } catch (err) {
      opts.onError?.(err as Error)
      return false
    }
  }
  const watching = opts.pollMs !== undefined && opts.pollMs > 0
  const listener = () => void reload()
  if (watching) watchFile(opts.file, { interval: opts.pollMs, persistent: false }, listener)
  return {
    verify: (presented) => verify(presented),
    reload,
    count: () => records.filter((r) => r.revoked_at === null).length,
    close: () => {
      if (watching) unwatchFile(opts.file, listener)
    },
  }
}
