import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { pgCode } from '../store/handle.js'
import type { Repositories } from '../store/index.js'
import type { TeamWithMembers } from '../store/teams.js'
import type { Deps } from './deps.js'

function notFound(id: string): NotFoundError {
  return new NotFoundError('not_found', `No team has the id ${id}; list teams with GET /v1/teams.`, { id })
}

function checkName(name: string): string {
  const n = name.trim()
  if (n.length < 1 || n.length > 100) {
    throw ValidationError.fields('A team name must be 1 to 100 characters.', [{ field: 'name', problem: 'must be 1 to 100 characters' }])
  }
  return n
}

async function checkMembers(store: Repositories, businessId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)]
  const found = await store.members.existing(businessId, unique.filter(isUuid))
  const missing = unique.filter((id) => !found.has(id))
  if (missing.length > 0) {
    throw ValidationError.fields(
      `These ids are not members of this business: ${missing.join(', ')}; list members with GET /v1/team/members.`,
      missing.map((id) => ({ field: `member_ids[${ids.indexOf(id)}]`, problem: 'is not a member of this business' })),
      'unknown_member',
    )
  }
  return unique
}

const taken = (name: string) => new ConflictError('team_exists', `A team named "${name}" already exists (names ignore case); choose another name.`, { name })

export async function createTeam(deps: Deps, businessId: string, cmd: { name: string; memberIds?: string[] }): Promise<TeamWithMembers> {
  const name = checkName(cmd.name)
  return deps.store.tx(async (store) => {
    const memberIds = await checkMembers(store, businessId, cmd.memberIds ?? [])
    const now = deps.clock()
    const t = await store.teams.insert({ id: newId(), businessId, name, createdAt: now, updatedAt: now })
    if (!t) throw taken(name)
    await store.teams.setMembers(t.id, memberIds)
    return (await store.teams.get(businessId, t.id)) as TeamWithMembers
  })
}

export function listTeams(deps: Deps, businessId: string): Promise<TeamWithMembers[]> {
  return deps.store.teams.list(businessId)
}

export async function getTeam(deps: Deps, businessId: string, id: string): Promise<TeamWithMembers> {
  const t = isUuid(id) ? await deps.store.teams.get(businessId, id) : null
  if (!t) throw notFound(id)
  return t
}

/** `memberIds`, when given, replaces the team's members. */
export async function updateTeam(deps: Deps, businessId: string, id: string, cmd: { name?: string; memberIds?: string[] }): Promise<TeamWithMembers> {
  const name = cmd.name !== undefined ? checkName(cmd.name) : undefined
  try {
    return await deps.store.tx(async (store) => {
      if (!isUuid(id) || !(await store.teams.get(businessId, id))) throw notFound(id)
      const memberIds = cmd.memberIds ? await checkMembers(store, businessId, cmd.memberIds) : undefined
      await store.teams.update(businessId, id, { ...(name !== undefined ? { name } : {}), updatedAt: deps.clock() })
      if (memberIds) await store.teams.setMembers(id, memberIds)
      return (await store.teams.get(businessId, id)) as TeamWithMembers
    })
  } catch (err) {
    if (pgCode(err) === '23505' && name) throw taken(name)
    throw err
  }
}

export async function deleteTeam(deps: Deps, businessId: string, id: string): Promise<void> {
  if (!(isUuid(id) && (await deps.store.teams.delete(businessId, id)))) throw notFound(id)
}
