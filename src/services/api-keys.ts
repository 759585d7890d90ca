import { createHash, randomBytes } from 'node:crypto'
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import type { Principal } from '../domain/principal.js'
import { isScope } from '../domain/scopes.js'
import type { ApiKeyRow } from '../store/api-keys.js'
import { announceChange, type AnnouncedCache } from './announced-cache.js'
import type { Deps } from './deps.js'
import { groupLookup, perStore } from './group-commit.js'

const KEY_PREFIX = 'sb_'

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export interface CreatedKey {
  key: ApiKeyRow
  /** The whole key: shown once, never stored. */
  secret: string
}

export function checkScopes(scopes: string[]): string[] {
  const unknown = scopes.filter((s) => !isScope(s))
  if (scopes.length === 0) {
    throw ValidationError.fields('Give the key at least one scope, for example admin.', [
      { field: 'scopes', problem: 'must list at least one scope' },
    ])
  }
  if (unknown.length > 0) {
    throw ValidationError.fields(
      `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; see the API reference for the list of scopes.`,
      unknown.map((s) => ({ field: 'scopes', problem: `"${s}" is not a scope` })),
    )
  }
  return [...new Set(scopes)]
}

export async function createApiKey(
  deps: Deps,
  cmd: { businessId: string; name: string; scopes: string[] },
): Promise<CreatedKey> {
  const scopes = checkScopes(cmd.scopes)
  const business = isUuid(cmd.businessId) ? await deps.store.businesses.get(cmd.businessId) : null
  if (!business) throw new NotFoundError('not_found', `No business has the id ${cmd.businessId}.`, { business_id: cmd.businessId })
  const secret = KEY_PREFIX + randomBytes(30).toString('base64url')
  const key = await deps.store.apiKeys.insert({
    id: newId(),
    businessId: cmd.businessId,
    name: cmd.name,
    prefix: secret.slice(0, 10),
    keyHash: hashKey(secret),
    scopes,
    createdAt: deps.clock(),
  })
  return { key, secret }
}

export function listApiKeys(deps: Deps, businessId: string | null): Promise<ApiKeyRow[]> {
  return deps.store.apiKeys.list(businessId)
}

export async function revokeApiKey(deps: Deps, businessId: string | null, id: string): Promise<ApiKeyRow> {
  const key = isUuid(id) ? await deps.store.apiKeys.revoke(businessId, id, deps.clock()) : null
  if (!key) throw new NotFoundError('not_found', `No API key has the id ${id}.`, { id })
  await announceChange(deps, keyCacheChanges)
  return key
}

/** Refuses revoking the key that makes the request, which would lock the caller out mid-call. */
export function assertNotSelf(principal: Principal, keyId: string): void {
  if (principal.kind === 'api_key' && principal.id === keyId) {
    throw new ConflictError('cannot_revoke_own_key', 'A key cannot revoke itself; use another admin key to revoke this one.')
  }
}

// Keys are looked up on every request; a short cache keeps reads off the database. A revocation clears
// it in every process (see announced-cache.ts); the expiry after KEY_CACHE_MS is only a backstop.
const KEY_CACHE_MS = 2_000
const keyCache = new Map<string, { at: number; principal: Principal | null }>()
export const keyCacheChanges: AnnouncedCache = { channel: 'sb_api_keys', staleFor: '2 s', clear: () => keyCache.clear() }

export async function authenticateKey(deps: Deps, secret: string): Promise<Principal | null> {
  if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) return null
  const hash = hashKey(secret)
  const now = deps.clock()
  const hit = keyCache.get(hash)
  if (hit && now.getTime() - hit.at < KEY_CACHE_MS) return hit.principal
  // Group-committed: when the entry expires under load, the requests in flight share one lookup.
  return (await keyLookups(deps)(hash)) ?? null
}

const keyLookups = perStore((deps) => groupLookup<Principal | null>((hashes) => lookUpKeys(deps, hashes)))

async function lookUpKeys(deps: Deps, hashes: string[]): Promise<Map<string, Principal | null>> {
  const now = deps.clock()
  const rows = new Map((await deps.store.apiKeys.byHashes(hashes)).map((r) => [r.keyHash, r]))
  if (keyCache.size > 10_000) keyCache.clear()
  const found = new Map<string, Principal | null>()
  for (const hash of hashes) {
    const row = rows.get(hash)
    const principal: Principal | null =
      row && !row.revokedAt
        ? { businessId: row.businessId, kind: 'api_key', id: row.id, name: row.name, scopes: new Set(row.scopes), role: null }
        : null
    keyCache.set(hash, { at: now.getTime(), principal })
    found.set(hash, principal)
    if (row && principal) void deps.store.apiKeys.touch(row.id, now).catch((err) => deps.log.warn({ err }, 'could not record key use'))
  }
  return found
}
