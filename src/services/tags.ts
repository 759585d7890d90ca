import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { decodePageToken, encodePageToken } from '../domain/page-token.js'
import { pgCode } from '../store/handle.js'
import type { TagRow, TagWithCount } from '../store/tags.js'
import type { Deps } from './deps.js'

export const MAX_TAG_LENGTH = 64

/** A tag name trimmed and checked (1–64 characters); 400 otherwise. */
export function checkTagName(name: string, field = 'name'): string {
  const n = name.trim()
  if (n.length < 1 || n.length > MAX_TAG_LENGTH) {
    throw ValidationError.fields(`A tag name must be 1 to ${MAX_TAG_LENGTH} characters; "${name.slice(0, 80)}" is not.`, [
      { field, problem: `must be 1 to ${MAX_TAG_LENGTH} characters` },
    ])
  }
  return n
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('not_found', `No tag has the id ${id}; list tags with GET /v1/tags.`, { id })
}

function taken(name: string): ConflictError {
  return new ConflictError('tag_exists', `A tag named "${name}" already exists (names ignore case); use that tag or choose another name.`, { name })
}

export async function createTag(deps: Deps, cmd: { businessId: string; name: string; color?: string | null }): Promise<TagWithCount> {
  const name = checkTagName(cmd.name)
  const t = await deps.store.tags.insert({ id: newId(), businessId: cmd.businessId, name, color: cmd.color ?? null, createdAt: deps.clock() })
  if (!t) throw taken(name)
  return { ...t, contactCount: 0 }
}

export async function getTag(deps: Deps, businessId: string, id: string): Promise<TagWithCount> {
  const t = isUuid(id) ? await deps.store.tags.get(businessId, id) : null
  if (!t) throw notFound(id)
  return t
}

const isTagCursor = (v: Record<string, unknown>): v is { n: string; id: string } => typeof v.n === 'string' && typeof v.id === 'string' && isUuid(v.id)

export async function listTags(deps: Deps, businessId: string, page: { size: number; token?: string }): Promise<{ items: TagWithCount[]; next?: string }> {
  const after = decodePageToken(page.token, isTagCursor)
  const rows = await deps.store.tags.list(businessId, after ? { name: after.n, id: after.id } : undefined, page.size + 1)
  const items = rows.slice(0, page.size)
  const last = items[items.length - 1]
  return { items, next: rows.length > page.size && last ? encodePageToken({ n: last.name, id: last.id }) : undefined }
}

export async function updateTag(deps: Deps, cmd: { businessId: string; id: string; name?: string; color?: string | null }): Promise<TagWithCount> {
  const name = cmd.name !== undefined ? checkTagName(cmd.name) : undefined
  let t: TagRow | null = null
  try {
    t = isUuid(cmd.id) ? await deps.store.tags.update(cmd.businessId, cmd.id, { ...(name !== undefined ? { name } : {}), ...(cmd.color !== undefined ? { color: cmd.color } : {}) }) : null
  } catch (err) {
    if (pgCode(err) === '23505' && name) throw taken(name)
    throw err
  }
  if (!t) throw notFound(cmd.id)
  return getTag(deps, cmd.businessId, t.id)
}

/** Deleting a tag detaches it from every contact. */
export async function deleteTag(deps: Deps, businessId: string, id: string): Promise<void> {
  if (!(isUuid(id) && (await deps.store.tags.delete(businessId, id)))) throw notFound(id)
}

/** Ids of these tag names, creating the ones that do not exist yet. */
export async function ensureTags(deps: Deps, businessId: string, names: string[], field = 'tags'): Promise<string[]> {
  const byLower = new Map<string, string>()
  names.forEach((n, i) => {
    const name = checkTagName(n, `${field}[${i}]`)
    // The first spelling wins: ["VIP", "vip"] is one tag, "VIP".
    if (!byLower.has(name.toLowerCase())) byLower.set(name.toLowerCase(), name)
  })
  const clean = [...byLower.values()]
  const ids = await deps.store.tags.ensure(businessId, clean, () => newId(), deps.clock())
  return clean.map((n) => ids.get(n.toLowerCase())).filter((id): id is string => !!id)
}
