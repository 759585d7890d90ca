import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { EVENT_TYPES } from '../../services/events.js'
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  sendTestPing,
  updateEndpoint,
} from '../../services/webhooks.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery } from '../schemas.js'
import { toWebhookDeliveryView, toWebhookEndpointView, WebhookDeliveryView, WebhookEndpointView } from '../views/webhook.js'

const EventName = Type.String({ description: `One of ${EVENT_TYPES.join(', ')}, or * for all.`, minLength: 1, maxLength: 64 })
const WithSecret = Type.Intersect([WebhookEndpointView, Type.Object({ secret: Type.String({ description: 'Shown once: sign-verification secret.' }) })])

const SIGNING = `Each delivery is a POST of \`{id, type, created_at, business_id, data}\` with headers \`Switchboard-Event-Id\` (stable across retries)
and \`Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the secret>\`. Non-2xx or no answer within 10 s is retried
with exponential backoff for 24 hours; then the endpoint is disabled with the reason. Redirects are not followed.`

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/webhooks',
    {
      config: { scope: 'webhooks:write', idempotent: true },
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events',
        description: `The signing secret is in \`data.secret\`, shown once.\n\n${SIGNING}`,
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2048 }),
            events: Type.Array(EventName, { minItems: 1 }),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: Envelope(WithSecret) },
      },
    },
    async (req, reply) => {
      const { endpoint, secret } = await createEndpoint(app.deps, principalOf(req).businessId, req.body)
      return reply.code(201).send({ message: 'Webhook endpoint created; copy the secret now, it will not be shown again', data: { ...toWebhookEndpointView(endpoint), secret } })
    },
  )

  app.get(
    '/v1/webhooks',
    { config: { scope: 'webhooks:write' }, schema: { tags: ['webhooks'], summary: 'List webhook endpoints', response: { 200: ListEnvelope(WebhookEndpointView) } } },
    async (req) => ({ message: 'Webhook endpoints retrieved', data: (await listEndpoints(app.deps, principalOf(req).businessId)).map(toWebhookEndpointView) }),
  )

  app.get(
    '/v1/webhooks/:id',
    { config: { scope: 'webhooks:write' }, schema: { tags: ['webhooks'], summary: 'Get a webhook endpoint', params: IdParams, response: { 200: Envelope(WebhookEndpointView) } } },
    async (req) => ({ message: 'Webhook endpoint retrieved', data: toWebhookEndpointView(await getEndpoint(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.patch(
    '/v1/webhooks/:id',
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: ['webhooks'],
        summary: 'Update, enable, disable a webhook endpoint, or rotate its secret',
        description: 'With `"rotate_secret": true` a new secret is returned once; the old one keeps verifying for 24 hours (deliveries carry a v1 signature for each).',
        params: IdParams,
        body: Type.Object(
          {
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
            events: Type.Optional(Type.Array(EventName, { minItems: 1 })),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
            enabled: Type.Optional(Type.Boolean()),
            rotate_secret: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Envelope(Type.Intersect([WebhookEndpointView, Type.Object({ secret: Type.Optional(Type.String()) })])) },
      },
    },
    async (req) => {
      const { rotate_secret, ...rest } = req.body
      const { endpoint, secret } = await updateEndpoint(app.deps, principalOf(req).businessId, req.params.id, { ...rest, rotateSecret: rotate_secret })
      return { message: secret ? 'Secret rotated; copy the new one now' : 'Webhook endpoint updated', data: { ...toWebhookEndpointView(endpoint), ...(secret ? { secret } : {}) } }
    },
  )

  app.delete(
    '/v1/webhooks/:id',
    { config: { scope: 'webhooks:write' }, schema: { tags: ['webhooks'], summary: 'Delete a webhook endpoint', params: IdParams, response: { 200: Envelope(Type.Object({ id: Type.String() })) } } },
    async (req) => {
      await deleteEndpoint(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Webhook endpoint deleted', data: { id: req.params.id } }
    },
  )

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of an endpoint',
        description: 'Newest first: each delivery with its attempts, status codes, latency and next attempt.',
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: { 200: ListEnvelope(WebhookDeliveryView) },
      },
    },
    async (req) => {
      const page = await listDeliveries(app.deps, principalOf(req).businessId, req.params.id, req.query.page_size ?? 50, req.query.page_token)
      return { message: 'Deliveries retrieved', data: page.items.map(toWebhookDeliveryView), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    },
  )

  app.post(
    '/v1/webhooks/:id/deliveries/:delivery_id/redeliver',
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: ['webhooks'],
        summary: 'Deliver an event again',
        params: Type.Object({ id: Type.String({ format: 'uuid' }), delivery_id: Type.String({ format: 'uuid' }) }),
        response: { 202: Envelope(WebhookDeliveryView) },
      },
    },
    async (req, reply) => {
      const d = await redeliver(app.deps, principalOf(req).businessId, req.params.id, req.params.delivery_id)
      return reply.code(202).send({ message: 'Redelivery queued', data: toWebhookDeliveryView(d) })
    },
  )

  app.post(
    '/v1/webhooks/:id/test',
    {
      config: { scope: 'webhooks:write' },
      schema: { tags: ['webhooks'], summary: 'Send a ping event', params: IdParams, response: { 202: Envelope(WebhookDeliveryView) } },
    },
    async (req, reply) => {
      const d = await sendTestPing(app.deps, principalOf(req).businessId, req.params.id)
      return reply.code(202).send({ message: 'Ping queued', data: toWebhookDeliveryView({ ...d, eventType: 'ping' }) })
    },
  )
}
