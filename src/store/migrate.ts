import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import type { Database } from './db.js'

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations')
// Any constant works; it only has to be the same in every Switchboard process.
const MIGRATION_LOCK = 726_351_001

/**
 * Applies pending migrations. On a Postgres server an advisory lock makes concurrent starts of several
 * processes take turns, so each migration runs exactly once.
 */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: MIGRATIONS_DIR })
    return
  }
  await database.exclusive(MIGRATION_LOCK, () =>
    migratePg(database.db as unknown as NodePgDatabase, { migrationsFolder: MIGRATIONS_DIR }),
  )
}

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  return journal.entries.length
}

/** True when every migration in the repository has been applied (readiness check). */
export async function migrationsApplied(database: Database): Promise<boolean> {
  try {
    const rows = await database.rows<{ n: number }>(
      database.db,
      sql`SELECT count(*)::int8 AS n FROM drizzle.__drizzle_migrations`,
    )
    return (rows[0]?.n ?? 0) >= expectedMigrations()
  } catch {
    return false
  }
}
