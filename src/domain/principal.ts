import { hasScope, type Scope } from './scopes.js'

export type Role = 'owner' | 'admin' | 'agent'

/** Who is calling: an API key, or a team member signed in to the inbox. Every request has one business. */
export interface Principal {
  businessId: string
  kind: 'api_key' | 'member'
  /** The API key's id or the member's id. */
  id: string
  name: string
  scopes: ReadonlySet<string>
  role: Role | null
}

export function can(principal: Principal, scope: Scope): boolean {
  return hasScope(principal.scopes, scope)
}
