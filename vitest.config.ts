import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['gateway/test/**/*.test.ts', 'consumers/test/**/*.test.ts', 'schemas/test/**/*.test.ts', 'common/test/**/*.test.ts', 'scripts/test/**/*.test.ts', 'sdk/test/**/*.test.ts', 'console/test/**/*.test.ts', 'loadtest/test/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // One real Kafka and one real ClickHouse are shared: files run one after another.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['tests/faults/**/*.test.ts'],
          // Its own Kafka + ClickHouse (globalSetup), which the scenarios stop, freeze and kill: one file at a time.
          globalSetup: ['tests/faults/globalSetup.ts'],
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
