// npm run keys -- create <app_id|*> [--rate <requests/s>] [--burst <n>] [--note <text>]
//                 list
//                 revoke <key id>
// Manages the gateway's write keys in WRITE_KEYS_FILE (default .local/keys.json). The key is printed once,
// at creation; the file keeps only a salted hash. A running gateway sees the change within a second.
import { loadConfig } from '../common/config.ts'
import { errorMessage } from '../common/logger.ts'
import { ANY_APP, newWriteKey, readKeyFile, writeKeyFile } from '../gateway/src/auth/writeKeys.ts'

class UsageError extends Error {}

const usage = `usage: npm run keys -- create <app_id|*> [--rate <requests/s>] [--burst <n>] [--note <text>]
       npm run keys -- list
       npm run keys -- revoke <key id>`

function options(args: string[]) {
  const positional: string[] = []
  const named: Record<string, string> = {}
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      if (eq > 0) named[a.slice(2, eq)] = a.slice(eq + 1)
      else {
        const v = args[++i]
        if (v === undefined) throw new UsageError(`${a} needs a value`)
        named[a.slice(2)] = v
      }
    } else positional.push(a)
  }
  return { positional, named }
}

function numberOption(named: Record<string, string>, name: string, integer: boolean): number | undefined {
  const raw = named[name]
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < (integer ? 1 : 0) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number >= 1' : 'a number >= 0'}, got ${JSON.stringify(raw)}`)
  }
  return n
}

function main() {
  const [command, ...rest] = process.argv.slice(2)
  const file = loadConfig().auth.keysFile
  const { positional, named } = options(rest)
  const known = new Set(['rate', 'burst', 'note'])
  for (const k of Object.keys(named)) if (!known.has(k)) throw new UsageError(`unknown option --${k}`)

  switch (command) {
    case 'create': {
      const appId = positional[0]
      if (!appId || positional.length > 1) throw new UsageError('create needs exactly one app id (or * for every app)')
      if (appId !== ANY_APP && !/^[^\s]{1,128}$/.test(appId)) throw new UsageError(`app id must be 1-128 characters without spaces, got ${JSON.stringify(appId)}`)
      const keys = readKeyFile(file)
      const { record, key } = newWriteKey(appId, { ratePerSecond: numberOption(named, 'rate', false), burst: numberOption(named, 'burst', true), note: named.note })
      writeKeyFile(file, { ...keys, keys: [...keys.keys, record] })
      console.error(`created write key ${record.id} for app ${appId === ANY_APP ? '* (every app)' : appId} in ${file}; it is shown once, store it now:`)
      console.log(key)
      return
    }
    case 'list': {
      const keys = readKeyFile(file).keys
      console.log(['id            app_id                   created_at                revoked_at                rate/s  burst  note'].join('\n'))
      for (const k of keys) {
        console.log(
          [k.id.padEnd(12), k.app_id.padEnd(24), k.created_at.padEnd(24), (k.revoked_at ?? '-').padEnd(24), String(k.rate_per_second ?? '-').padStart(6), String(k.burst ?? '-').padStart(5), k.note ?? ''].join('  ').trimEnd(),
        )
      }
      console.log(`(${keys.length} key${keys.length === 1 ? '' : 's'}, ${keys.filter((k) => k.revoked_at === null).length} active, file ${file})`)
      return
    }
    case 'revoke': {
      const id = positional[0]
      if (!id || positional.length > 1) throw new UsageError('revoke needs exactly one key id (see npm run keys -- list)')
      const keys = readKeyFile(file)
      const target = keys.keys.find((k) => k.id === id)
      if (!target) throw new UsageError(`no key with id ${JSON.stringify(id)} in ${file}`)
      if (target.revoked_at !== null) {
        console.log(`key ${id} was already revoked at ${target.revoked_at}`)
        return
      }
      const revokedAt = new Date().toISOString()
      writeKeyFile(file, { ...keys, keys: keys.keys.map((k) => (k.id === id ? { ...k, revoked_at: revokedAt } : k)) })
      console.log(`revoked key ${id} (app ${target.app_id}) at ${revokedAt}`)
      return
    }
    default:
      throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command given')
  }
}

try {
  main()
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`keys: ${err.message}\n${usage}`)
    process.exit(2)
  }
  console.error(`keys: ${errorMessage(err)}`)
  process.exit(1)
}
