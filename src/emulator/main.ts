import { startEmulator, type RunningEmulator } from './server.js'

/** `switchboard emulator`: runs the emulator in the foreground until the process is stopped. */
export async function runEmulator(env: NodeJS.ProcessEnv = process.env): Promise<RunningEmulator> {
  const raw = env.EMULATOR_PORT ?? '8081'
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`EMULATOR_PORT must be a port number (0–65535); got "${raw}".`)
  }
  const emulator = await startEmulator({
    port,
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    stateFile: env.EMULATOR_STATE_FILE || undefined,
  })
  console.log(`WhatsApp Cloud API emulator listening on ${emulator.url}`)
  console.log(`  phone page:  ${emulator.url}/`)
  console.log(`  Graph API:   ${emulator.url}/v23.0/...   control API: ${emulator.url}/_emulator/...`)
  if (env.EMULATOR_STATE_FILE) console.log(`  state file:  ${env.EMULATOR_STATE_FILE}`)
  const stop = (): void => { void emulator.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return {
    ...emulator,
    async close() {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await emulator.close()
    },
  }
}
