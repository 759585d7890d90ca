import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only fight over them (each suite runs a server, a database and often an emulator).
    maxWorkers: 2,
    reporters: ['default'],
  },
})
