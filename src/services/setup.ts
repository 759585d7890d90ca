import { createApiKey } from './api-keys.js'
import { createBusiness } from './businesses.js'
import type { Deps } from './deps.js'
import { createEmulatorNumber, emulatorWanted } from './numbers.js'

export interface InitResult {
  businessId: string
  apiKey: string
  numberId?: string
  numberDisplay?: string
}

/** First-run setup: a business and its admin key (and, with the emulator, a default number). */
export async function initBusiness(deps: Deps, cmd: { businessName: string }): Promise<InitResult> {
  const business = await createBusiness(deps, { name: cmd.businessName })
  const { secret } = await createApiKey(deps, { businessId: business.id, name: 'admin (init)', scopes: ['admin'] })
  if (!emulatorWanted(deps.config)) return { businessId: business.id, apiKey: secret }
  const number = await createEmulatorNumber(deps, business.id)
  return { businessId: business.id, apiKey: secret, numberId: number.id, numberDisplay: number.displayPhoneNumber }
}
