import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from './emulator/server.js'
import type { Deps, EmulatorPort, EmulatorRegistration } from './services/deps.js'
import { appSecretOf, credentialsFor, emulatorWanted, type NumberRow } from './services/numbers.js'

// The WhatsApp emulator inside the server process (SWITCHBOARD_EMULATOR=on, or auto outside
// production): a new user gets a working "WhatsApp" with no Meta account. Every number whose
// graph_base_url points at it is registered at start, with its own token and app secret, and told to
// post webhooks to this server, so the real Cloud adapter and the real webhook route run end to end.

export interface EmbeddedEmulator extends EmulatorPort {
  close(): Promise<void>
}

/**
 * Starts the emulator and registers the numbers that use it. Returns null (and logs why) when it is not
 * wanted or its port is taken: the API still serves, only the emulator is missing.
 */
export async function startEmbeddedEmulator(deps: Deps, webhookBaseUrl: string): Promise<EmbeddedEmulator | null> {
  const { config, log } = deps
  if (!emulatorWanted(config)) return null
  let running: RunningEmulator
  try {
    running = await startEmulator({ port: config.emulatorPort, host: '127.0.0.1', stateFile: join(config.dataDir, 'emulator.json') })
  } catch (err) {
    log.warn({ err, port: config.emulatorPort }, 'could not start the built-in WhatsApp emulator (is the port in use? set EMULATOR_PORT or SWITCHBOARD_EMULATOR=off)')
    return null
  }
  const webhookUrl = `${webhookBaseUrl}/webhooks/whatsapp`
  const port: EmbeddedEmulator = {
    url: running.url,
    async register(n: EmulatorRegistration) {
      const res = await fetch(`${running.url}/_emulator/numbers/${n.phoneNumberId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          display_phone_number: n.displayPhoneNumber,
          waba_id: n.wabaId,
          access_token: n.accessToken,
          app_secret: n.appSecret,
          webhook_url: webhookUrl,
          verified_name: n.name,
          throughput_mps: n.throughputMps,
        }),
      })
      if (!res.ok) throw new Error(`the emulator refused number ${n.phoneNumberId}: ${res.status} ${await res.text()}`)
    },
    close: () => running.close(),
  }
  let registered = 0
  for (const n of await deps.store.numbers.all()) {
    if (!onEmulator(n, running.url)) continue
    try {
      await port.register(registrationOf(deps, n))
      registered++
    } catch (err) {
      log.warn({ err, number_id: n.id }, 'could not register a number with the built-in emulator')
    }
  }
  log.info({ url: running.url, numbers: registered }, 'built-in WhatsApp emulator started')
  return port
}

function onEmulator(n: NumberRow, url: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').replace('//localhost:', '//127.0.0.1:')
  return norm(n.graphBaseUrl) === norm(url)
}

export function registrationOf(deps: Pick<Deps, 'secrets'>, n: NumberRow): EmulatorRegistration {
  return {
    phoneNumberId: n.phoneNumberId,
    displayPhoneNumber: n.displayPhoneNumber,
    wabaId: n.wabaId,
    accessToken: credentialsFor(deps, n).accessToken,
    appSecret: appSecretOf(deps, n),
    name: n.name,
    throughputMps: n.throughputMps,
  }
}
