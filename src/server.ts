import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { buildApp } from './api/app.js'
import { openRuntime, type Runtime } from './runtime.js'
import { newLocalToken, removeServerNote, writeServerNote } from './local-control.js'
import { localOpsRoutes } from './api/routes/local-ops.js'
import type { FastifyPluginAsync } from 'fastify'
import { startEmbeddedEmulator } from './embedded-emulator.js'
import { createJobs } from './jobs/index.js'
import { buildWeb, webBuildNeeded } from './api/routes/web.js'

export interface RunningServer {
  app: FastifyInstance
  runtime: Runtime
  url: string
  close(): Promise<void>
}

/** Opens the database, migrates, and serves the API; background jobs and the emulator start here too. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config)
  const embedded = runtime.deps.store.database.kind === 'pglite'
  const localToken = newLocalToken()
  let app: FastifyInstance
  try {
    if (webBuildNeeded()) await buildWeb(runtime.deps.log) // `npm install` builds it; this covers a checkout that skipped it
    app = await buildApp(runtime.deps, { extraRoutes: embedded ? [localOpsRoutes(localToken) as FastifyPluginAsync] : [] })
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await runtime.close()
    throw err
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  // The built-in WhatsApp emulator posts its webhooks back here (PUBLIC_URL, or where we listen).
  const emulator = await startEmbeddedEmulator(runtime.deps, /:0$/.test(config.publicUrl) ? url.replace('0.0.0.0', '127.0.0.1') : config.publicUrl)
  if (emulator) runtime.deps.emulator = emulator
  const jobs = createJobs(runtime.deps)
  await jobs.runner.start()
  if (embedded) writeServerNote(config.dataDir, url.replace('0.0.0.0', '127.0.0.1'), localToken)
  let closing: Promise<void> | null = null
  return {
    app,
    runtime,
    url,
    close() {
      closing ??= (async () => {
        await app.close()
        await emulator?.close()
        await jobs.runner.stop()
        await runtime.close()
        if (embedded) removeServerNote(config.dataDir)
      })()
      return closing
    },
  }
}
