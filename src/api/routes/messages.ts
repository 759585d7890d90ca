import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { ValidationError } from '../../domain/errors.js'
import type { OutboundContent } from '../../domain/outbound.js'
import { authorOf, sendTemplate, sendToConversation } from '../../services/sends.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams } from '../schemas.js'
import { MessageView, toMessageView } from '../views/message.js'

// Sends. Both accept Idempotency-Key: the HTTP layer replays the first answer, and the key is also
// stored on the message (unique per business), so racing retries never create two messages.

const Media = Type.Object(
  {
    link: Type.Optional(Type.String({ maxLength: 2000, description: 'A public http(s) URL WhatsApp fetches.' })),
    media_id: Type.Optional(Type.String({ maxLength: 200, description: 'The id of a file uploaded with POST /v1/media.' })),
    caption: Type.Optional(Type.String({ description: 'Not for audio; at most 1024 characters.' })),
    filename: Type.Optional(Type.String({ description: 'Documents only.' })),
  },
  { additionalProperties: false },
)

const Interactive = Type.Object(
  {
    type: Type.Union([Type.Literal('button'), Type.Literal('list')], { description: 'Reply buttons (1–3) or a list (1–10 rows).' }),
    body: Type.String(),
    header: Type.Optional(Type.String({ description: 'Text header, at most 60 characters.' })),
    footer: Type.Optional(Type.String({ description: 'At most 60 characters.' })),
    buttons: Type.Optional(Type.Array(Type.Object({ id: Type.String(), title: Type.String() }, { additionalProperties: false }))),
    button_text: Type.Optional(Type.String({ description: 'For lists: the label of the button that opens the list.' })),
    sections: Type.Optional(
      Type.Array(
        Type.Object(
          {
            title: Type.Optional(Type.String()),
            rows: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), description: Type.Optional(Type.String()) }, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
)

const SendBody = Type.Object(
  {
    text: Type.Optional(Type.String({ description: 'A text message, 1–4096 characters.' })),
    image: Type.Optional(Media),
    document: Type.Optional(Media),
    audio: Type.Optional(Media),
    video: Type.Optional(Media),
    interactive: Type.Optional(Interactive),
    reaction: Type.Optional(
      Type.Object(
        { message_id: Type.String({ description: 'The id of a message in this conversation.' }), emoji: Type.String({ description: 'One emoji; empty removes the reaction.' }) },
        { additionalProperties: false },
      ),
    ),
    reply_to: Type.Optional(Type.String({ description: 'The id of a message in this conversation to quote.' })),
  },
  { additionalProperties: false },
)

const CONTENT_FIELDS = ['text', 'image', 'document', 'audio', 'video', 'interactive', 'reaction'] as const

/** The request body → one content kind; 400 unless exactly one content field is present. */
function contentOf(b: Static<typeof SendBody>): OutboundContent {
  const present = CONTENT_FIELDS.filter((f) => b[f] !== undefined)
  if (present.length !== 1) {
    throw ValidationError.fields(
      present.length === 0
        ? `Say what to send: one of ${CONTENT_FIELDS.join(', ')}.`
        : `Send one kind of content per message; this request has ${present.join(' and ')}.`,
      [{ field: 'body', problem: `must have exactly one of ${CONTENT_FIELDS.join(', ')}` }],
    )
  }
  if (b.text !== undefined) return { kind: 'text', text: b.text }
  for (const kind of ['image', 'document', 'audio', 'video'] as const) {
    const m = b[kind]
    if (m) return { kind, link: m.link, mediaId: m.media_id, caption: m.caption, filename: m.filename }
  }
  if (b.reaction) return { kind: 'reaction', messageId: b.reaction.message_id, emoji: b.reaction.emoji }
  const i = b.interactive as Static<typeof Interactive>
  if (i.type === 'button') return { kind: 'buttons', body: i.body, header: i.header, footer: i.footer, buttons: i.buttons ?? [] }
  return { kind: 'list', body: i.body, header: i.header, footer: i.footer, buttonText: i.button_text ?? '', sections: i.sections ?? [] }
}

const TemplateBody = Type.Object(
  {
    business_whatsapp_number_id: Type.Optional(Type.String({ description: 'The number to send from; the default number when absent.' })),
    phone: Type.String({ minLength: 1, maxLength: 40, description: 'The customer, in E.164 (+14155550123); common formats are normalised.' }),
    template_key: Type.String({ minLength: 1, maxLength: 512, description: "The template's name." }),
    language: Type.Optional(Type.String({ maxLength: 20, description: 'e.g. en_US; needed when the template exists in several languages.' })),
    customer_name: Type.Optional(Type.String({ maxLength: 200, description: 'Stored on a new contact.' })),
    variables: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'A value for every variable, by name: {"first_name": "Ana"}.' }),
    ),
  },
  { additionalProperties: false },
)

function keyOf(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h
}

export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/messaging/conversations/:id/messages',
    {
      config: { scope: 'messaging:messages:send', idempotent: true },
      schema: {
        tags: ['messages'],
        summary: 'Send a message in a conversation',
        description:
          'Text, media, interactive buttons/list or a reaction; only inside the 24-hour window (422 window_closed outside it: send a template). ' +
          'The message is queued (201) and leaves in order, paced to the number’s throughput; its delivery_status then follows WhatsApp.',
        params: IdParams,
        body: SendBody,
        response: { 201: Envelope(MessageView) },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req)
      const m = await sendToConversation(app.deps, {
        businessId: principal.businessId,
        conversationId: req.params.id,
        content: contentOf(req.body),
        replyTo: req.body.reply_to,
        idempotencyKey: keyOf(req.headers['idempotency-key']),
        author: authorOf(principal),
      })
      return reply.code(201).send({ message: 'Message queued', data: toMessageView(m) })
    },
  )

  app.post(
    '/v1/messaging/messages/template',
    {
      config: { scope: 'messaging:messages:send', idempotent: true },
      schema: {
        tags: ['messages'],
        summary: 'Send a template',
        description:
          'An approved template to a phone number, inside or outside the 24-hour window. Creates the contact and the conversation when new. ' +
          'Errors: 404 template_not_found, 422 template_not_approved, 400 invalid_template_variables (every missing or unknown variable listed), 422 contact_opted_out (MARKETING only).',
        body: TemplateBody,
        response: { 201: Envelope(MessageView) },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req)
      const b = req.body
      const m = await sendTemplate(app.deps, {
        businessId: principal.businessId,
        numberId: b.business_whatsapp_number_id,
        phone: b.phone,
        templateKey: b.template_key,
        language: b.language,
        customerName: b.customer_name,
        variables: b.variables ?? {},
        idempotencyKey: keyOf(req.headers['idempotency-key']),
        author: authorOf(principal),
      })
      return reply.code(201).send({ message: 'Template message queued', data: toMessageView(m) })
    },
  )
}
