import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { windowForPhone } from '../../services/window.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, NullableTimestamp, isoOrNull } from '../schemas.js'

export const windowRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/messaging/window',
    {
      config: { scope: 'messaging:conversations:read' },
      schema: {
        tags: ['messages'],
        summary: "Is the customer's 24-hour window open?",
        description: 'Open: free-form messages may be sent until expires_at. Closed: only templates (expires_at is when it closed, or null if the customer never wrote).',
        querystring: Type.Object(
          {
            phone: Type.String({ minLength: 1, maxLength: 40, description: 'The customer, E.164.' }),
            number_id: Type.Optional(Type.String({ description: 'The business number; the default number when absent.' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Envelope(
            Type.Object({
              open: Type.Boolean(),
              expires_at: NullableTimestamp,
              requires_template: Type.Boolean({ description: 'True when only a template may be sent now.' }),
              last_inbound_at: NullableTimestamp,
            }),
          ),
        },
      },
    },
    async (req) => {
      const w = await windowForPhone(app.deps, principalOf(req).businessId, { phone: req.query.phone, numberId: req.query.number_id })
      return {
        message: w.open ? 'The window is open' : 'The window is closed; send a template',
        data: { open: w.open, expires_at: isoOrNull(w.expiresAt), requires_template: !w.open, last_inbound_at: isoOrNull(w.lastInboundAt) },
      }
    },
  )
}
