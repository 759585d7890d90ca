import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { readiness } from '../../services/health.js'

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true, rateLimit: false },
      schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  )
  app.get(
    '/readyz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'The database is reachable and migrated',
        response: {
          200: Type.Object({ status: Type.String(), database: Type.String(), migrations: Type.String() }),
          503: Type.Object({ status: Type.String(), database: Type.String(), migrations: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      const r = await readiness(app.deps)
      return reply.code(r.ready ? 200 : 503).send({
        status: r.ready ? 'ready' : 'not_ready',
        database: r.database,
        migrations: r.migrations,
      })
    },
  )
}
