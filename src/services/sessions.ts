import { randomBytes } from 'node:crypto'
import { verify as argonVerify } from '@node-rs/argon2'
import { NotFoundError, RateLimitedError, UnauthorizedError, ValidationError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import type { Principal, Role } from '../domain/principal.js'
import { scopesForRole } from '../domain/roles.js'
import type { MemberRow } from '../store/members.js'
import type { Deps } from './deps.js'
import { checkPassword, hashPassword, tokenHash } from './members.js'

// Inbox login: email and password → a session token (cookie for the browser, bearer for scripts).
// Failures are counted per email and per IP in the database, so every process slows the same attacker.

export const SESSION_PREFIX = 'sbs_'
export const SESSION_MS = 7 * 24 * 60 * 60 * 1000
const FAILURE_WINDOW_MS = 15 * 60 * 1000
/** Failures allowed before each attempt must wait, doubling from one second up to the window. */
const FREE_FAILURES = { email: 5, ip: 20 }

// Verifying against a real hash when the email is unknown keeps the answer's timing the same.
let dummyHash: Promise<string> | null = null

export interface Session {
  token: string
  member: MemberRow
  expiresAt: Date
}

function throttleKeys(email: string, ip: string) {
  return { email: `email:${email.trim().toLowerCase()}`, ip: `ip:${ip}` }
}

async function assertNotThrottled(deps: Deps, email: string, ip: string, now: Date): Promise<void> {
  const keys = throttleKeys(email, ip)
  const rows = await deps.store.sessions.failures([keys.email, keys.ip])
  let waitMs = 0
  for (const r of rows) {
    if (now.getTime() - r.lastAt.getTime() > FAILURE_WINDOW_MS) continue
    const free = r.key === keys.email ? FREE_FAILURES.email : FREE_FAILURES.ip
    if (r.count < free) continue
    const delay = Math.min(1000 * 2 ** (r.count - free), FAILURE_WINDOW_MS)
    waitMs = Math.max(waitMs, r.lastAt.getTime() + delay - now.getTime())
  }
  if (waitMs > 0) {
    throw new RateLimitedError(
      `Too many failed sign-ins for this email or from this address; wait ${Math.ceil(waitMs / 1000)} seconds and try again.`,
      Math.ceil(waitMs / 1000),
      { reason: 'login_failures' },
    )
  }
}

async function newSession(deps: Deps, member: MemberRow): Promise<Session> {
  const now = deps.clock()
  const token = SESSION_PREFIX + randomBytes(30).toString('base64url')
  const expiresAt = new Date(now.getTime() + SESSION_MS)
  await deps.store.sessions.insert({ id: newId(), memberId: member.id, tokenHash: tokenHash(token), createdAt: now, expiresAt, lastSeenAt: now })
  return { token, member, expiresAt }
}

export async function login(deps: Deps, cmd: { email: string; password: string; ip: string }): Promise<Session> {
  const now = deps.clock()
  await assertNotThrottled(deps, cmd.email, cmd.ip, now)
  const member = await deps.store.members.byEmail(cmd.email.trim())
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  const ok = member?.passwordHash
    ? await argonVerify(member.passwordHash, cmd.password).catch(() => false)
    : await argonVerify(await dummyHash, cmd.password).then(() => false, () => false)
  const keys = throttleKeys(cmd.email, cmd.ip)
  if (!ok || !member) {
    const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MS)
    await deps.store.sessions.recordFailure(keys.email, now, windowStart)
    await deps.store.sessions.recordFailure(keys.ip, now, windowStart)
    throw new UnauthorizedError('invalid_credentials', 'The email or password is not right; check both and try again.')
  }
  await deps.store.sessions.clearFailures(keys.email)
  return newSession(deps, member)
}

/** Sets the password of an invited member and signs them in. */
export async function acceptInvite(deps: Deps, cmd: { token: string; password: string }): Promise<Session> {
  checkPassword(cmd.password)
  const member = await deps.store.members.byInviteHash(tokenHash(cmd.token))
  if (!member || !member.inviteExpiresAt || member.inviteExpiresAt.getTime() < deps.clock().getTime()) {
    throw new NotFoundError('invalid_invite', 'This invite is not valid or has expired; ask an owner or admin for a new one.')
  }
  const updated = await deps.store.members.update(member.businessId, member.id, {
    passwordHash: await hashPassword(cmd.password),
    inviteTokenHash: null,
    inviteExpiresAt: null,
    updatedAt: deps.clock(),
  })
  return newSession(deps, updated ?? member)
}

export async function logout(deps: Deps, token: string): Promise<void> {
  if (!token.startsWith(SESSION_PREFIX)) {
    throw ValidationError.fields('Only member sessions can sign out; API keys are revoked with DELETE /v1/api-keys/{id}.', [
      { field: 'authorization', problem: 'is not a session' },
    ])
  }
  await deps.store.sessions.delete(tokenHash(token))
}

/** The principal behind a session token, with the member's current role; null when unknown or expired. */
export async function authenticateSession(deps: Deps, token: string): Promise<Principal | null> {
  if (!token.startsWith(SESSION_PREFIX) || token.length > 200) return null
  const now = deps.clock()
  const hit = await deps.store.sessions.live(tokenHash(token), now)
  if (!hit) return null
  void deps.store.sessions
    .touch(hit.session.id, now, new Date(now.getTime() + SESSION_MS))
    .catch((err) => deps.log.warn({ err }, 'could not extend session'))
  const role = hit.member.role as Role
  return { businessId: hit.member.businessId, kind: 'member', id: hit.member.id, name: hit.member.name, scopes: scopesForRole(role), role }
}
