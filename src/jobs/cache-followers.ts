import { followChanges } from '../services/announced-cache.js'
import { keyCacheChanges } from '../services/api-keys.js'
import type { Deps } from '../services/deps.js'
import { subscriberCacheChanges } from '../services/events.js'
import type { Job } from './runner.js'

// Every server follows the announced caches (services/announced-cache.ts): a change made on another
// process clears this process's copy at once instead of when it expires.
export function cacheFollowersJob(deps: Deps): Job {
  let stops: Array<() => Promise<void>> = []
  return {
    name: 'cache-followers',
    async start() {
      stops = await Promise.all([keyCacheChanges, subscriberCacheChanges].map((cache) => followChanges(deps, cache)))
    },
    async stop() {
      await Promise.all(stops.map((stop) => stop()))
      stops = []
    },
  }
}
