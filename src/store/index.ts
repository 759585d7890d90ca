import type { Database, Db } from './db.js'
import { handleFor, type Handle } from './handle.js'
import { businessesRepo } from './businesses.js'
import { apiKeysRepo } from './api-keys.js'
import { idempotencyRepo } from './idempotency.js'

// The store: one repository per area, all over the same handle. `tx` gives the same repositories over
// one transaction, so a service can write a message and its outbox row atomically.
// Add a repository here with one line when an area needs one.
function repositories(h: Handle) {
  return {
    businesses: businessesRepo(h),
    apiKeys: apiKeysRepo(h),
    idempotency: idempotencyRepo(h),
  }
}

export type Repositories = ReturnType<typeof repositories>

export interface Store extends Repositories {
  database: Database
  tx<T>(fn: (store: Repositories) => Promise<T>): Promise<T>
}

export function createStore(database: Database): Store {
  return {
    ...repositories(handleFor(database, database.db)),
    database,
    tx: (fn) => database.db.transaction((tx) => fn(repositories(handleFor(database, tx as unknown as Db)))),
  }
}

export { openDatabase, type Database } from './db.js'
export { migrate, migrationsApplied } from './migrate.js'
