import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { buildApp } from './api/app.js'
import { openRuntime, type Runtime } from './runtime.js'

export interface RunningServer {
  app: FastifyInstance
  runtime: Runtime
  url: string
  close(): Promise<void>
}

/** Opens the database, migrates, and serves the API; background jobs and the emulator start here too. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config)
  let app: FastifyInstance
  try {
    app = await buildApp(runtime.deps)
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await runtime.close()
    throw err
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  let closing: Promise<void> | null = null
  return {
    app,
    runtime,
    url,
    close() {
      closing ??= (async () => {
        await app.close()
        await runtime.close()
      })()
      return closing
    },
  }
}
