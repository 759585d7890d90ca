import { ValidationError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import type { Business } from '../store/businesses.js'
import type { Deps } from './deps.js'

export async function createBusiness(deps: Deps, cmd: { name: string }): Promise<Business> {
  const name = cmd.name.trim()
  if (name.length === 0 || name.length > 200) {
    throw ValidationError.fields('Give the business a name of 1 to 200 characters.', [
      { field: 'business', problem: 'must be 1 to 200 characters' },
    ])
  }
  return deps.store.businesses.insert({ id: newId(), name, createdAt: deps.clock() })
}
