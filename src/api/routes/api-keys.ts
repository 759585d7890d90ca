import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SCOPES } from '../../domain/scopes.js'
import { assertNotSelf, createApiKey, listApiKeys, revokeApiKey } from '../../services/api-keys.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope } from '../schemas.js'
import { ApiKeyView, toApiKeyView } from '../views/api-key.js'

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'A label, e.g. "shop backend".' }),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
)

export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/api-keys',
    {
      config: { scope: 'admin', idempotent: true },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key',
        description: 'The whole key is in `data.key`, shown this once; store it safely. Only its hash is kept.',
        body: CreateKeyBody,
        response: { 201: Envelope(Type.Intersect([ApiKeyView, Type.Object({ key: Type.String() })])) },
      },
    },
    async (req, reply) => {
      const { key, secret } = await createApiKey(app.deps, {
        businessId: principalOf(req).businessId,
        name: req.body.name,
        scopes: req.body.scopes,
      })
      return reply.code(201).send({ message: 'API key created; copy it now, it will not be shown again', data: { ...toApiKeyView(key), key: secret } })
    },
  )

  app.get(
    '/v1/api-keys',
    {
      config: { scope: 'admin' },
      schema: { tags: ['api-keys'], summary: 'List API keys', response: { 200: ListEnvelope(ApiKeyView) } },
    },
    async (req) => {
      const keys = await listApiKeys(app.deps, principalOf(req).businessId)
      return { message: 'API keys retrieved', data: keys.map(toApiKeyView) }
    },
  )

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { scope: 'admin' },
      schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: IdParams, response: { 200: Envelope(ApiKeyView) } },
    },
    async (req) => {
      const principal = principalOf(req)
      assertNotSelf(principal, req.params.id)
      const key = await revokeApiKey(app.deps, principal.businessId, req.params.id)
      return { message: 'API key revoked', data: toApiKeyView(key) }
    },
  )
}
