// The provider registry, built once at startup: services look an adapter up by the number's
// `provider` string and never construct adapters themselves.
import { NotFoundError } from '../domain/errors.js'
import { CloudProvider, type CloudProviderOptions } from './cloud/adapter.js'
import type { WhatsAppProvider } from './port.js'

export type * from './port.js'
export { CloudProvider } from './cloud/adapter.js'
export { classifyMetaError, classifyStatusError, META_ERROR_TABLE } from './cloud/errors.js'
export { signBody } from './cloud/signature.js'

export interface ProviderRegistry {
  /** The adapter for a number; throws if its provider is not one we have. */
  for(number: { provider: string }): WhatsAppProvider
  /** Provider names this build supports. */
  readonly names: readonly string[]
}

export interface ProviderRegistryOptions {
  cloud?: CloudProviderOptions
}

export function createProviderRegistry(opts: ProviderRegistryOptions = {}): ProviderRegistry {
  const adapters = new Map<string, WhatsAppProvider>([[CloudProvider.identifier, new CloudProvider(opts.cloud)]])
  return {
    names: [...adapters.keys()],
    for(number) {
      const adapter = adapters.get(number.provider)
      if (!adapter) {
        throw new NotFoundError('provider_not_found', `No provider named "${number.provider}"; use one of: ${[...adapters.keys()].join(', ')}.`, { provider: number.provider })
      }
      return adapter
    },
  }
}
