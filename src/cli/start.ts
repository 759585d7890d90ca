import { loadConfig } from '../config.js'
import { startServer } from '../server.js'
import { println } from './output.js'

export async function startCommand(): Promise<void> {
  const config = loadConfig()
  const server = await startServer(config)
  const { deps } = server.runtime
  const businesses = await deps.store.businesses.list()
  println(`Switchboard is listening on ${server.url}  (database: ${deps.store.database.kind === 'pglite' ? `embedded, in ${config.dataDir}` : 'Postgres'})`)
  println(`API reference: ${server.url}/docs`)
  if (businesses.length === 0) {
    println('')
    println('Next: create a business and its admin API key, in another terminal:')
    println('  npx switchboard init --business "Acme"')
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
