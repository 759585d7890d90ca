import { sql } from 'drizzle-orm'
import type { Store } from './index.js'

export async function ping(store: Store): Promise<boolean> {
  try {
    await store.database.rows(store.database.db, sql`SELECT 1`)
    return true
  } catch {
    return false
  }
}
