// For kill -9 tests: a real `switchboard start` child process on its own data folder (PGlite) or its
// own Postgres database, an emulator that keeps retrying webhooks through the downtime (as Meta does),
// and our own look at the database between runs.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { cli, freePort, type ServerProcess } from '../../bench/lib.js'
import { openDatabase, type Database } from '../../src/store/db.js'
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.js'
import { startEmulatorFor, type RunningEmulator } from './whatsapp.js'

export interface CrashBed {
  emu: RunningEmulator
  /** Environment and base URL of a fresh server, and its admin key (made with `switchboard init`). */
  prepare(): Promise<{ env: Record<string, string>; port: number; base: string; key: string }>
  /** The database while no server holds it (PGlite) or alongside it (Postgres). */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>
}

export function useCrashBed(kind: DbKind): () => CrashBed {
  let emu: RunningEmulator
  let dataDir: string
  let pgDb: TestDatabase | null = null
  beforeAll(async () => {
    emu = await startEmulatorFor({ webhook_retry_base_ms: 200, webhook_max_attempts: 12, auto_read: false })
    dataDir = mkdtempSync(join(tmpdir(), 'sb-crash-'))
    if (kind === 'postgres') pgDb = await createTestDatabase('postgres')
  })
  afterAll(async () => {
    await emu?.close()
    await pgDb?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return () => ({
    emu,
    async prepare() {
      const port = await freePort()
      const base = `http://127.0.0.1:${port}`
      const env: Record<string, string> = {
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('hex'),
        SWITCHBOARD_EMULATOR: 'off',
        SWITCHBOARD_RATE_LIMIT: '1000000',
        PUBLIC_URL: base,
        LOG_LEVEL: 'error',
        ...(pgDb?.url ? { DATABASE_URL: pgDb.url } : {}),
      }
      const key = (JSON.parse(await cli(['init', '--business', 'Crash', '--json'], env)) as { api_key: string }).api_key
      return { env, port, base, key }
    },
    async withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
      if (pgDb) return fn(pgDb.database)
      const db = await openDatabase({ databaseUrl: null, dataDir: join(dataDir, 'pglite') })
      try {
        return await fn(db)
      } finally {
        await db.close()
      }
    },
  })
}

export async function kill9(p: ServerProcess): Promise<void> {
  await new Promise<void>((res) => {
    p.child.once('exit', () => res())
    p.child.kill('SIGKILL')
  })
}

/**
 * fetch that rides out a server that is restarting or briefly too busy to accept connections (a
 * PGlite server replaying its backlog after kill -9): network errors are retried for a while.
 */
export async function patientFetch(url: string, init?: RequestInit, forMs = 60_000): Promise<Response> {
  const deadline = Date.now() + forMs
  for (;;) {
    try {
      return await fetch(url, init)
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}
