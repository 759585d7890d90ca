import type { Deps } from './deps.js'

// A per-process cache of something every request reads (API keys, webhook subscribers). A change made
// here clears it here and is announced on Postgres; every server follows the announcements
// (jobs/cache-followers.ts) and clears its own copy, so no process serves a stale entry until expiry.

export interface AnnouncedCache {
  /** The Postgres channel its changes are announced on. */
  readonly channel: string
  /** What a stale copy is good for, in the log line when an announcement fails. */
  readonly staleFor: string
  clear(): void
}

/** After a committed change: clear this process's copy and tell the others to clear theirs. */
export async function announceChange(deps: Pick<Deps, 'store' | 'log'>, cache: AnnouncedCache): Promise<void> {
  cache.clear()
  await deps.store.database.notify(cache.channel, 'changed').catch((err: unknown) =>
    deps.log.warn({ err, channel: cache.channel }, `could not announce a change; other processes see it within ${cache.staleFor}`),
  )
}

/** Clears this process's copy whenever another process announces a change; returns how to stop. */
export function followChanges(deps: Pick<Deps, 'store'>, cache: AnnouncedCache): Promise<() => Promise<void>> {
  return deps.store.database.listen(cache.channel, () => cache.clear())
}
