import type { SQL } from 'drizzle-orm'
import type { Database, Db } from './db.js'

/** What a repository gets: a Drizzle handle (database or transaction) and raw SQL on that same handle. */
export interface Handle {
  db: Db
  rows<T>(query: SQL): Promise<T[]>
}

export function handleFor(database: Database, db: Db): Handle {
  return { db, rows: (query) => database.rows(db, query) }
}

/** Postgres error code of a driver error, if it is one (23505 unique violation, …). */
export function pgCode(err: unknown): string | undefined {
  let e: unknown = err
  // Drizzle wraps driver errors; the code sits on the cause.
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * A Postgres array literal for one bound parameter (`${pgArray(ids)}::uuid[]`). Drizzle expands a JS
 * array into a list of parameters, and the two drivers serialise array parameters differently, so
 * arrays travel as one text literal that Postgres parses the same way on both.
 */
export function pgArray(values: ReadonlyArray<string | number | boolean | null>): string {
  const items = values.map((v) => {
    if (v === null) return 'NULL'
    if (typeof v !== 'string') return String(v)
    return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  })
  return `{${items.join(',')}}`
}
