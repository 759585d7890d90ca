import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NotFoundError, UnauthorizedError } from '../../domain/errors.js'
import { tokenMatches } from '../../local-control.js'
import { operatorOps } from '../../services/operator-ops.js'

/** Lets the CLI run operator commands through the server that holds the embedded database. */
export function localOpsRoutes(token: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/_local/ops/:name',
      {
        config: { public: true, rateLimit: false },
        schema: { hide: true, params: Type.Object({ name: Type.String() }), body: Type.Record(Type.String(), Type.Unknown()) },
      },
      async (req) => {
        const given = req.headers['x-switchboard-local-token']
        if (!tokenMatches(token, typeof given === 'string' ? given : undefined)) {
          throw new UnauthorizedError('unauthorized', 'This endpoint is for the switchboard CLI on this machine.')
        }
        const op = operatorOps[req.params.name]
        if (!op) throw new NotFoundError('not_found', `No operation ${req.params.name}.`)
        return { message: 'Done', data: await op(app.deps, req.body) }
      },
    )
  }
}
