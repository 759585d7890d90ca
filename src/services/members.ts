import { createHash, randomBytes } from 'node:crypto'
import { hash as argonHash } from '@node-rs/argon2'
import { isEmail } from '../domain/contact-csv.js'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import type { Principal, Role } from '../domain/principal.js'
import { isRole } from '../domain/roles.js'
import { hasScope } from '../domain/scopes.js'
import { pgCode } from '../store/handle.js'
import type { MemberRow } from '../store/members.js'
import type { Deps } from './deps.js'

export const MIN_PASSWORD = 10
const MAX_PASSWORD = 200
const INVITE_MS = 7 * 24 * 60 * 60 * 1000

export function hashPassword(password: string): Promise<string> {
  return argonHash(password)
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function checkPassword(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw ValidationError.fields(`The password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long; choose a longer passphrase.`, [
      { field, problem: `must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters` },
    ])
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('not_found', `No team member has the id ${id}; list members with GET /v1/team/members.`, { id })
}

function emailTaken(email: string): ConflictError {
  return new ConflictError('email_taken', `A member with the email ${email} already exists; use another email or update that member.`, { email })
}

/** Owners are managed only by owners (and admin API keys): both hold the `admin` scope. */
function assertMayManageOwners(principal: Principal): void {
  if (!hasScope(principal.scopes, 'admin')) {
    throw new ForbiddenError('owner_only', 'Only an owner can add, change or remove owners; ask an owner.', { required_scope: 'admin' })
  }
}

export interface CreatedMember {
  member: MemberRow
  /** Set when no password was given: the member sets one with it (POST /v1/auth/accept-invite). Shown once. */
  inviteToken: string | null
}

export async function createMember(
  deps: Deps,
  principal: Principal,
  cmd: { name: string; email: string; role: string; password?: string },
): Promise<CreatedMember> {
  const problems: FieldProblem[] = []
  const name = cmd.name.trim()
  const email = cmd.email.trim()
  if (name.length < 1 || name.length > 100) problems.push({ field: 'name', problem: 'must be 1 to 100 characters' })
  if (!isEmail(email) || email.length > 254) problems.push({ field: 'email', problem: 'is not an email address, such as ana@example.com' })
  if (!isRole(cmd.role)) problems.push({ field: 'role', problem: 'must be one of owner, admin, agent' })
  if (problems.length > 0) throw ValidationError.fields(`Some member fields are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
  if (cmd.password !== undefined) checkPassword(cmd.password)
  if (cmd.role === 'owner') assertMayManageOwners(principal)
  const now = deps.clock()
  const invite = cmd.password === undefined ? randomBytes(24).toString('base64url') : null
  const member = await deps.store.members.insert({
    id: newId(),
    businessId: principal.businessId,
    name,
    email,
    role: cmd.role,
    passwordHash: cmd.password !== undefined ? await hashPassword(cmd.password) : null,
    inviteTokenHash: invite ? tokenHash(invite) : null,
    inviteExpiresAt: invite ? new Date(now.getTime() + INVITE_MS) : null,
    createdAt: now,
    updatedAt: now,
  })
  if (!member) throw emailTaken(email)
  return { member, inviteToken: invite }
}

export function listMembers(deps: Deps, businessId: string): Promise<MemberRow[]> {
  return deps.store.members.list(businessId)
}

export async function getMember(deps: Deps, businessId: string, id: string): Promise<MemberRow> {
  const m = isUuid(id) ? await deps.store.members.get(businessId, id) : null
  if (!m) throw notFound(id)
  return m
}

const lastOwner = () =>
  new ConflictError('last_owner', 'This is the business’s last owner; make another member an owner first.')

export async function updateMember(
  deps: Deps,
  principal: Principal,
  id: string,
  cmd: { name?: string; email?: string; role?: string; password?: string },
): Promise<MemberRow> {
  const problems: FieldProblem[] = []
  if (cmd.name !== undefined && (cmd.name.trim().length < 1 || cmd.name.trim().length > 100)) problems.push({ field: 'name', problem: 'must be 1 to 100 characters' })
  if (cmd.email !== undefined && !isEmail(cmd.email.trim())) problems.push({ field: 'email', problem: 'is not an email address, such as ana@example.com' })
  if (cmd.role !== undefined && !isRole(cmd.role)) problems.push({ field: 'role', problem: 'must be one of owner, admin, agent' })
  if (problems.length > 0) throw ValidationError.fields(`Some member fields are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
  if (cmd.password !== undefined) checkPassword(cmd.password)
  const passwordHash = cmd.password !== undefined ? await hashPassword(cmd.password) : undefined
  try {
    return await deps.store.tx(async (store) => {
      const owners = await store.members.lockOwners(principal.businessId)
      const current = isUuid(id) ? await store.members.get(principal.businessId, id) : null
      if (!current) throw notFound(id)
      const role = cmd.role as Role | undefined
      if (current.role === 'owner' || role === 'owner') assertMayManageOwners(principal)
      if (current.role === 'owner' && role && role !== 'owner' && owners.length <= 1) throw lastOwner()
      const m = await store.members.update(principal.businessId, id, {
        ...(cmd.name !== undefined ? { name: cmd.name.trim() } : {}),
        ...(cmd.email !== undefined ? { email: cmd.email.trim() } : {}),
        ...(role ? { role } : {}),
        ...(passwordHash ? { passwordHash, inviteTokenHash: null, inviteExpiresAt: null } : {}),
        updatedAt: deps.clock(),
      })
      if (!m) throw notFound(id)
      // A new password signs the member out everywhere else.
      if (passwordHash) await store.sessions.deleteForMember(id)
      return m
    })
  } catch (err) {
    if (pgCode(err) === '23505' && cmd.email) throw emailTaken(cmd.email.trim())
    throw err
  }
}

export async function deleteMember(deps: Deps, principal: Principal, id: string): Promise<void> {
  await deps.store.tx(async (store) => {
    const owners = await store.members.lockOwners(principal.businessId)
    const current = isUuid(id) ? await store.members.get(principal.businessId, id) : null
    if (!current) throw notFound(id)
    if (current.role === 'owner') {
      assertMayManageOwners(principal)
      if (owners.length <= 1) throw lastOwner()
    }
    await store.members.delete(principal.businessId, id)
  })
}

/**
 * For assignment (conversations): 400 unless the member and/or team belong to the business. Other
 * businesses' ids get the same answer as unknown ones.
 */
export async function assertMemberOfBusiness(deps: Deps, businessId: string, ids: { memberId?: string | null; teamId?: string | null }): Promise<void> {
  const problems: FieldProblem[] = []
  if (ids.memberId) {
    const ok = isUuid(ids.memberId) && (await deps.store.members.existing(businessId, [ids.memberId])).has(ids.memberId)
    if (!ok) problems.push({ field: 'assignee_id', problem: 'is not a member of this business; list members with GET /v1/team/members' })
  }
  if (ids.teamId) {
    const ok = isUuid(ids.teamId) && (await deps.store.teams.get(businessId, ids.teamId)) !== null
    if (!ok) problems.push({ field: 'team_id', problem: 'is not a team of this business; list teams with GET /v1/teams' })
  }
  if (problems.length > 0) {
    throw ValidationError.fields(`Cannot assign: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems, 'invalid_assignee')
  }
}
