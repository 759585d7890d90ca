import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openDatabase, type Database } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'

export type DbKind = 'pglite' | 'postgres'

/** PGlite always; Postgres too when TEST_DATABASE_URL is set (CI sets it). */
export const DATABASES: DbKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']

export interface TestDatabase {
  kind: DbKind
  /** The Postgres URL of this suite's own database (null for PGlite). */
  url: string | null
  database: Database
  close(): Promise<void>
}

/** A fresh, migrated database for one suite: in-memory PGlite, or a new database on the Postgres server. */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ databaseUrl: null, dataDir: null })
    await migrate(database)
    return { kind, url: null, database, close: () => database.close() }
  }
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const name = `sb_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null, poolSize: 10 })
  await migrate(database)
  return {
    kind,
    url: url.toString(),
    database,
    async close() {
      await database.close()
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
      await c.end()
    },
  }
}
