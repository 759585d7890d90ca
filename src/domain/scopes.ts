// Every scope an API key can carry. `admin` implies all of them.
export const SCOPES = [
  'messaging:conversations:read',
  'messaging:messages:read',
  'messaging:messages:send',
  'contacts:read',
  'contacts:write',
  'templates:read',
  'templates:write',
  'numbers:read',
  'numbers:write',
  'broadcasts:read',
  'broadcasts:write',
  'webhooks:write',
  'team:read',
  'team:write',
  'admin',
] as const

export type Scope = (typeof SCOPES)[number]

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value)
}

export function hasScope(granted: ReadonlySet<string>, needed: Scope): boolean {
  return granted.has('admin') || granted.has(needed)
}
