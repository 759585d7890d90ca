import { migrationsApplied } from '../store/index.js'
import { ping } from '../store/health.js'
import type { Deps } from './deps.js'

export async function readiness(deps: Deps): Promise<{ ready: boolean; database: string; migrations: string }> {
  const reachable = await ping(deps.store)
  const migrated = reachable && (await migrationsApplied(deps.store.database))
  return {
    ready: reachable && migrated,
    database: reachable ? `${deps.store.database.kind}: reachable` : `${deps.store.database.kind}: unreachable`,
    migrations: migrated ? 'applied' : 'pending',
  }
}
