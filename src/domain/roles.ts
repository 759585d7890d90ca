import type { Role } from './principal.js'
import { SCOPES, type Scope } from './scopes.js'

// What a signed-in member may do, as the same scopes API keys carry, so one check serves both.

export const ROLES = ['owner', 'admin', 'agent'] as const

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v)
}

const AGENT: readonly Scope[] = [
  'messaging:conversations:read',
  'messaging:messages:read',
  'messaging:messages:send',
  'contacts:read',
  'contacts:write',
  'templates:read',
  'numbers:read',
  'team:read',
]
// Admins manage everything but owners and API keys, which `admin` guards.
const ADMIN: readonly Scope[] = SCOPES.filter((s) => s !== 'admin')
const OWNER: readonly Scope[] = ['admin']

export function scopesForRole(role: Role): ReadonlySet<Scope> {
  return new Set(role === 'owner' ? OWNER : role === 'admin' ? ADMIN : AGENT)
}
