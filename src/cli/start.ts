import { loadConfig } from '../config.js'
import { startServer } from '../server.js'
import { println } from './output.js'

export async function startCommand(): Promise<void> {
  const config = loadConfig()
  const server = await startServer(config)
  const { deps } = server.runtime
  const businesses = await deps.store.businesses.list()
  println(`Switchboard is listening on ${server.url}  (database: ${deps.store.database.kind === 'pglite' ? `embedded, in ${config.dataDir}` : 'Postgres'})`)
  println(`Team inbox: ${server.url}/   API reference: ${server.url}/docs`)
  if (deps.emulator) println(`WhatsApp emulator: ${deps.emulator.url}/ (write in as a customer there)`)
  if (businesses.length === 0) {
    println('')
    println('Next: create a business, its admin API key and an inbox owner, in another terminal:')
    println('  npx switchboard init --business "Acme" --owner-email you@example.com')
  }
  const stop = async (signal: string) => {
    deps.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => process.exit(1), 10_000)
    timer.unref()
    await server.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}
