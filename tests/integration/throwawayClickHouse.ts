// A second, short-lived ClickHouse server for tests that need their own users.xml: the stack's config and
// users templates (scripts/stack/) rendered the way scripts/stack.sh renders them, on free ports, in a temp
// directory. The shared server on 8123 is never touched.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot, waitFor } from './harness.ts'

export type ThrowawayClickHouse = { url: string; passwords: { writer: string; reader: string }; stop: () => Promise<void> }

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export function clickHouseServerBinary(): string | null {
  return ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'].find((p) => existsSync(p)) ?? null
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Renders scripts/stack/clickhouse-users.xml as stack.sh does (same placeholders). */
export function renderUsersXml(database: string, passwords: { writer: string; reader: string }): string {
  return readFileSync(`${repoRoot}scripts/stack/clickhouse-users.xml`, 'utf8')
    .replaceAll('@DATABASE@', database)
    .replaceAll('@WRITER_PASSWORD_SHA256@', sha256(passwords.writer))
    .replaceAll('@READER_PASSWORD_SHA256@', sha256(passwords.reader))
}

export async function startThrowawayClickHouse(database: string): Promise<ThrowawayClickHouse> {
  const binary = clickHouseServerBinary()
  if (!binary) throw new Error('clickhouse-server is not installed (scripts/stack.sh up installs it)')
  const dir = mkdtempSync(join(tmpdir(), 'ch-throwaway-'))
  const data = join(dir, 'data')
  const logs = join(dir, 'logs')
  for (const d of [data, logs, join(data, 'tmp'), join(data, 'user_files'), join(data, 'format_schemas')]) mkdirSync(d, { recursive: true })
  const [httpPort, tcpPort] = [await freePort(), await freePort()]
  const config = readFileSync(`${repoRoot}scripts/stack/clickhouse-config.xml`, 'utf8')
    .replaceAll('@CH_DATA@', data)
    .replaceAll('@CH_LOGS@', logs)
    .replaceAll('@CH_HOST@', '127.0.0.1')
    .replaceAll('@CH_HTTP_PORT@', String(httpPort))
    .replaceAll('@CH_TCP_PORT@', String(tcpPort))
  writeFileSync(join(dir, 'config.xml'), config)
  const passwords = { writer: randomBytes(18).toString('base64url'), reader: randomBytes(18).toString('base64url') }
  writeFileSync(join(dir, 'users.xml'), renderUsersXml(database, passwords))
  const child: ChildProcess = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { cwd: data, stdio: 'ignore' })
  const url = `http://127.0.0.1:${httpPort}`
  try {
    await waitFor('the throwaway ClickHouse to answer /ping', async () => {
      if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}: ${tail(join(logs, 'clickhouse-server.err.log'))}`)
      return (await fetch(`${url}/ping`)).ok
    }, 60_000, 250)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return {
    url,
    passwords,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(killer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-5).join('\n')
  } catch {
    return '(no log)'
  }
}
