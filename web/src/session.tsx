import { createContext, useContext } from 'react'
import type { Me } from './types.js'

// Who is signed in, and what their role lets them do. The page hides or disables what the API would
// refuse, using the same scopes the API checks (admin implies every scope).

export interface SessionValue {
  me: Me
  can(scope: string): boolean
  signOut(): Promise<void>
}

export const SessionContext = createContext<SessionValue | null>(null)

export function useSession(): SessionValue {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a signed-in page')
  return s
}

export function canWith(me: Me, scope: string): boolean {
  return me.scopes.includes('admin') || me.scopes.includes(scope)
}
