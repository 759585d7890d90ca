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
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'

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
  }).withTypeProvider<TypeBoxTypeProvider>()

  // JSON bodies are validated as sent: with Ajv's coercion a null in a `string | null` field would become
  // "" and 42 would pass as "42". Query strings and path parameters are text, so they are coerced (and
  // a repeated query parameter becomes an array).
  const ajvFor = (coerce: boolean) => {
    const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes: coerce ? 'array' : false, strict: false })
    addFormats.default(ajv)
    return ajv
  }
  const bodyAjv = ajvFor(false)
  const textAjv = ajvFor(true)
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv
    const id = (schema as { $id?: string }).$id
    return (id && ajv.getSchema(id)) || ajv.compile(schema)
  })

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
