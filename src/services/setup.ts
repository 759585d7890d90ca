import { randomBytes } from 'node:crypto'
import type { Principal } from '../domain/principal.js'
import { createApiKey } from './api-keys.js'
import { createMember } from './members.js'
import { createBusiness } from './businesses.js'
import type { Deps } from './deps.js'
import { createEmulatorNumber, emulatorWanted } from './numbers.js'

export interface InitResult {
  businessId: string
  apiKey: string
  numberId?: string
  numberDisplay?: string
  /** With an owner email: the owner's sign-in for the inbox, the password shown once. */
  owner?: { memberId: string; email: string; password: string }
}

/**
 * First-run setup: a business and its admin key, with the emulator a default number, and, when an
 * email is given, an owner who can sign in to the inbox at once (a generated password, shown once).
 */
export async function initBusiness(deps: Deps, cmd: { businessName: string; ownerEmail?: string; ownerName?: string }): Promise<InitResult> {
  const business = await createBusiness(deps, { name: cmd.businessName })
  const { key, secret } = await createApiKey(deps, { businessId: business.id, name: 'admin (init)', scopes: ['admin'] })
  const out: InitResult = { businessId: business.id, apiKey: secret }
  if (cmd.ownerEmail) {
    const password = randomBytes(12).toString('base64url')
    const principal: Principal = { businessId: business.id, kind: 'api_key', id: key.id, name: key.name, scopes: new Set(['admin']), role: null }
    const { member } = await createMember(deps, principal, { name: cmd.ownerName ?? cmd.ownerEmail.split('@')[0], email: cmd.ownerEmail, role: 'owner', password })
    out.owner = { memberId: member.id, email: member.email, password }
  }
  if (!emulatorWanted(deps.config)) return out
  const number = await createEmulatorNumber(deps, business.id)
  return { ...out, numberId: number.id, numberDisplay: number.displayPhoneNumber }
}
