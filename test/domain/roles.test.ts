import { expect, test } from 'vitest'
import { scopesForRole } from '../../src/domain/roles.js'
import { hasScope, SCOPES } from '../../src/domain/scopes.js'

test('agents read and answer conversations and manage contacts; nothing administrative', () => {
  const s = scopesForRole('agent')
  for (const ok of ['messaging:conversations:read', 'messaging:messages:send', 'contacts:write', 'templates:read', 'numbers:read', 'team:read'] as const) {
    expect(hasScope(s, ok)).toBe(true)
  }
  for (const no of ['team:write', 'templates:write', 'numbers:write', 'broadcasts:write', 'webhooks:write', 'admin'] as const) {
    expect(hasScope(s, no)).toBe(false)
  }
})

test('admins have every scope but admin; owners have admin, hence everything', () => {
  for (const scope of SCOPES) {
    expect(hasScope(scopesForRole('admin'), scope)).toBe(scope !== 'admin')
    expect(hasScope(scopesForRole('owner'), scope)).toBe(true)
  }
})
