import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../services/deps.js'
import { newId } from '../domain/ids.js'
import { errorHandler } from './errors.js'
import { authPlugin } from './plugins/auth.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { idempotencyPlugin } from './plugins/idempotency.js'
import { metricsPlugin } from './plugins/metrics.js'
import { openapiPlugin } from './plugins/openapi.js'
import { routePlugins } from './routes/index.js'

export interface AppOptions {
  /** Route plugins beyond the public API (the CLI's local control route, when the server owns PGlite). */
  extraRoutes?: FastifyPluginAsync[]
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

export async function buildApp(deps: Deps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: 1024 * 1024,
    // A client may pass its own X-Request-Id (kept if it looks sane) so logs join across systems.
    genReqId: (req) => {
      const h = req.headers['x-request-id']
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : newId()
    },
    requestIdHeader: false,
    ajv: {
      customOptions: {
        allErrors: true,
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('deps', deps)
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
  })

  await app.register(errorHandler)
  await app.register(metricsPlugin)
  await app.register(openapiPlugin)
  await app.register(authPlugin)
  await app.register(rateLimitPlugin, { perSecond: deps.config.rateLimitPerSecond })
  await app.register(idempotencyPlugin)

  for (const plugin of [...routePlugins, ...(opts.extraRoutes ?? [])]) await app.register(plugin)

  return app as unknown as FastifyInstance
}
