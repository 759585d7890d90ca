import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Store } from '../store/index.js'
import type { ProviderRegistry } from '../providers/index.js'

/** Encrypts and decrypts secrets at rest with the server's key (AES-256-GCM). */
export interface SecretBox {
  seal(plain: string): string
  open(sealed: string): string
}

/** A number as the built-in emulator needs it (secrets decrypted). */
export interface EmulatorRegistration {
  phoneNumberId: string
  displayPhoneNumber: string
  wabaId: string
  accessToken: string
  appSecret: string
  name: string
  throughputMps: number
}

/** The WhatsApp emulator running inside this process (src/embedded-emulator.ts), when there is one. */
export interface EmulatorPort {
  url: string
  /** Makes the emulator answer for this number and post its webhooks to this server. */
  register(n: EmulatorRegistration): Promise<void>
}

/**
 * Everything a service may use. Services take this as their first argument: no globals, no HTTP.
 * `clock` is injected so rules (the 24-hour window, expiries) are testable without sleeping.
 * Areas add their own fields here (providers, notifier, …) as they land.
 */
export interface Deps {
  store: Store
  clock: () => Date
  config: Config
  log: Logger
  secrets: SecretBox
  providers: ProviderRegistry
  /** Set by the server when it runs the built-in emulator; absent in CLI processes and most tests. */
  emulator?: EmulatorPort
}
