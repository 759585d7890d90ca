import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { receiveWebhook, verifyWebhookSubscription } from '../../services/inbound.js'
import { ErrorEnvelope } from '../schemas.js'

// Meta's webhooks for WhatsApp. An encapsulated plugin with its own JSON parser that keeps the raw
// bytes: X-Hub-Signature-256 is an HMAC of exactly what Meta sent, and re-serialised JSON would not
// match. Public (Meta has no API key); the signature is the authentication.

/** Meta batches up to 1,000 messages per POST; media metadata and profiles make that a few MB at most. */
const WEBHOOK_BODY_LIMIT = 16 * 1024 * 1024

export const whatsappWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.get(
    '/webhooks/whatsapp',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['webhooks'],
        summary: "Meta's webhook verification handshake",
        description: 'Answers hub.challenge when hub.verify_token is the verify_token of a connected number.',
        querystring: Type.Object({
          'hub.mode': Type.Optional(Type.String()),
          'hub.verify_token': Type.Optional(Type.String()),
          'hub.challenge': Type.Optional(Type.String()),
        }),
        response: { 200: Type.String(), 403: ErrorEnvelope },
      },
    },
    async (req, reply) => {
      const challenge = await verifyWebhookSubscription(app.deps, {
        mode: req.query['hub.mode'],
        token: req.query['hub.verify_token'],
        challenge: req.query['hub.challenge'],
      })
      return reply.type('text/plain; charset=utf-8').send(challenge)
    },
  )

  app.post(
    '/webhooks/whatsapp',
    {
      config: { public: true, rateLimit: false },
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary: 'Receive WhatsApp webhooks (messages, statuses, template updates)',
        description:
          'Checks X-Hub-Signature-256 with the app secret of the number in metadata.phone_number_id (template updates: of the WABA in entry.id) and stores everything before answering 200. Missing or bad signature: 401, nothing stored. Unknown number: 200, logged.',
        response: {
          200: Type.Object({
            message: Type.String(),
            data: Type.Object({
              messages: Type.Integer(),
              new_messages: Type.Integer(),
              statuses: Type.Integer(),
              templates: Type.Integer(),
              ignored_changes: Type.Integer(),
            }),
          }),
          '4xx': ErrorEnvelope,
        },
      },
    },
    async (req) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const sig = req.headers['x-hub-signature-256']
      const r = await receiveWebhook(app.deps, raw, typeof sig === 'string' ? sig : undefined)
      return {
        message: r.ignored && !r.messages && !r.statuses && !r.templates ? 'Webhook ignored: no connected number matches it' : 'Webhook stored',
        data: { messages: r.messages, new_messages: r.newMessages, statuses: r.statuses, templates: r.templates, ignored_changes: r.ignored },
      }
    },
  )
}
