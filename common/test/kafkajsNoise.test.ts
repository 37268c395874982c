import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { levelForKafkajs } from '../kafkajsNoise.ts'

describe('kafkajs noise', () => {
  it('logs the group-forming coordinator errors at info, other errors and warnings as they are', () => {
    expect(levelForKafkajs(true, { message: 'Response GroupCoordinator(key: 10, version: 2)', error: 'The group coordinator is not available' })).toBe('info')
    expect(levelForKafkajs(true, { message: 'Response JoinGroup(key: 11, version: 5)', error: 'The coordinator is loading and hence can\'t process requests: coordinator load in progress' })).toBe('info')
    expect(levelForKafkajs(true, { message: 'Response Produce(key: 0, version: 7)', error: 'The request timed out' })).toBe('error')
    expect(levelForKafkajs(false, { message: 'Connection timeout' })).toBe('warn')
  })

  it('drops TimeoutNegativeWarning only (a child process: warnings are process-wide)', () => {
    const script = `import '${new URL('../kafka.ts', import.meta.url).pathname}'
setTimeout(() => {}, -1795985411550)
process.emitWarning('something else', 'OtherWarning')`
    let stderr = ''
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', `${script}\nsetTimeout(() => { throw new Error('end') }, 50)`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
      stderr = (err as { stderr: string }).stderr
    }
    expect(stderr).toContain('OtherWarning: something else')
    expect(stderr).not.toContain('TimeoutNegativeWarning')
    expect(stderr).toContain('Error: end') // the script ran to its end
  })
})
