import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, ConfigError } from '../../src/config.js'
import { acquireDataDirLock, DataDirLockedError } from '../../src/store/lock.js'

const run = promisify(execFile)
const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sb-lock-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('the embedded data folder lock', () => {
  it('refuses a second holder with a sentence saying what to do, and frees on release', () => {
    const dir = tmp()
    const lock = acquireDataDirLock(dir)
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError)
    expect(() => acquireDataDirLock(dir)).toThrow(/in use by another Switchboard process .* Stop that process first/)
    lock.release()
    acquireDataDirLock(dir).release()
  })

  it('takes over a lock left by a process that is gone', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'switchboard.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, at: new Date().toISOString() }))
    const lock = acquireDataDirLock(dir)
    lock.release()
  })

  it('a second `switchboard start` on the same folder exits 1 with one clear line', async () => {
    const dir = tmp()
    const lock = acquireDataDirLock(join(dir, 'pglite'))
    try {
      const err = (await run(process.execPath, ['bin/switchboard.js', 'migrate'], { env: { ...process.env, SWITCHBOARD_DATA_DIR: dir, DATABASE_URL: '' } }).catch((e) => e)) as {
        code: number
        stderr: string
      }
      expect(err.code).toBe(1)
      expect(err.stderr.trim().split('\n')).toHaveLength(1)
      expect(err.stderr).toMatch(/^switchboard: The data folder .* is in use by another Switchboard process/)
    } finally {
      lock.release()
    }
  })
})

describe('configuration', () => {
  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535 \(got "abc"\)\.$/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with postgres:\/\//],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ SWITCHBOARD_SECRET_KEY: 'short' }, /^SWITCHBOARD_SECRET_KEY must be 32 random bytes/],
    [{ NODE_ENV: 'production' }, /^SWITCHBOARD_SECRET_KEY is required when NODE_ENV=production/],
    [{ SWITCHBOARD_EMULATOR: 'maybe' }, /^SWITCHBOARD_EMULATOR must be one of auto, on, off/],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('defaults: 127.0.0.1:8080, ./data, 50 requests/s per key', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, rateLimitPerSecond: 50, databaseUrl: null })
    expect(c.dataDir.endsWith('/data')).toBe(true)
  })

  it('a bad value stops the CLI with exit code 1 and one line', async () => {
    const err = (await run(process.execPath, ['bin/switchboard.js', 'migrate'], { env: { ...process.env, PORT: '99999' } }).catch((e) => e)) as { code: number; stderr: string }
    expect(err.code).toBe(1)
    expect(err.stderr).toBe('switchboard: PORT must be a whole number from 0 to 65535 (got "99999").\n')
  })
})
