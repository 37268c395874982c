import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configVariables } from '../../common/config.ts'
import { partCodes } from '../codes.ts'
import { shippedQueries } from '../queries/catalog.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README stays true', () => {
  it.each(Object.entries(partCodes))('documents part code %s', (name, c) => {
    const retry = c.code === 0 ? '–' : c.retryable ? 'yes' : 'no'
    expect(readme).toContain(`| ${c.code} | ${name} | ${retry} |`)
  })
  it.each(configVariables)('documents %s in the configuration table', (name) => {
    expect(readme.split('\n').some((l) => l.startsWith('| ') && l.split('|')[1]!.includes(`\`${name}\``))).toBe(true)
  })
  it.each(shippedQueries().map((q) => [q.name, q] as const))('documents query %s with its params', (name, q) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`))
    expect(row).toBeDefined()
    for (const p of q.params) expect(row).toContain(`\`${p.name}\``)
  })
})
