// Write keys end to end: the real gateway over HTTP, keys made and revoked by the real CLI (`npm run keys`)
// while the gateway runs, events produced to the real Kafka.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../../gateway/src/server.ts'
import { integrationConfig, postJson, repoRoot, runId, testLogger, waitFor } from './harness.ts'

const id = runId()
const keysDir = mkdtempSync(join(tmpdir(), 'it-keys-'))
const keysFile = join(keysDir, 'keys.json')
const config = integrationConfig(id, { WRITE_KEYS_FILE: keysFile })
const log = testLogger('gateway')
let gateway: RunningGateway

const keysCli = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(`${repoRoot}node_modules/.bin/node`, [`${repoRoot}scripts/keys.ts`, ...args], {
    env: { ...process.env, WRITE_KEYS_FILE: keysFile },
    cwd: repoRoot,
  })
  return stdout.trim()
}
const batch = (app_id: string) => ({ meta: { app_id, category: 'auth' }, data: [{ id: 'e1', name: 'n', timestamp: Date.now() }] })
const send = (app_id: string, key: string) => postJson(`${gateway.url}/v1/batch`, batch(app_id), { authorization: `Bearer ${key}` })

beforeAll(async () => {
  gateway = await startGateway(config, log.log)
})
afterAll(async () => {
  await gateway?.stop()
  rmSync(keysDir, { recursive: true, force: true })
})

describe('write keys made by the CLI, with the gateway running', () => {
  let key = ''

  it('refuses a request without a key (401)', async () => {
    const res = await postJson(`${gateway.url}/v1/batch`, batch('it-app'), { authorization: '' })
    expect(res.status).toBe(401)
  })

  it('accepts a key created after the gateway started, without a restart', async () => {
    key = await keysCli('create', 'it-app')
    expect(key).toMatch(/^tk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    const res = await waitFor('the new key to be accepted', async () => {
      const r = await send('it-app', key)
      return r.status === 200 ? r : null
    }, 10_000, 200)
    expect(res.body.parts.map((p) => p.code)).toEqual([0])
  })

  it('refuses the key for another app (403)', async () => {
    const res = await send('other-app', key)
    expect(res.status).toBe(403)
    expect(res.body.message).toContain('may write to app "it-app" only')
  })

  it('refuses the key once the CLI revoked it (401)', async () => {
    const keyId = key.split('_')[1]!
    expect(await keysCli('revoke', keyId)).toContain(`revoked key ${keyId}`)
    await waitFor('the revoked key to be refused', async () => (await send('it-app', key)).status === 401, 10_000, 200)
    expect(await keysCli('list')).toMatch(new RegExp(`${keyId}\\s+it-app\\s+\\S+\\s+20\\d\\d-`))
  })

  it('answers 429 with Retry-After past a key\'s own rate', async () => {
    const limited = await keysCli('create', 'it-app', '--rate', '0.05', '--burst', '1')
    await waitFor('the limited key to be accepted', async () => (await send('it-app', limited)).status === 200, 10_000, 200)
    const res = await send('it-app', limited)
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(20)
    expect(res.body.parts).toEqual([])
  })

  it('never logs a key', () => {
    const secrets = log.lines.join('')
    expect(secrets).not.toContain(key.slice('tk_000000000000_'.length))
    expect(secrets).toContain('"key_id"')
  })
})
