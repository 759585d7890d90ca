import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  cancelBroadcast,
  createBroadcast,
  getBroadcast,
  listBroadcasts,
  listRecipients,
  pauseBroadcast,
  RECIPIENT_STATUSES,
  resumeBroadcast,
  startBroadcast,
} from '../../services/broadcasts.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery, Timestamp } from '../schemas.js'
import { BroadcastViewSchema, RecipientViewSchema, toBroadcastView, toRecipientView } from '../views/broadcast.js'

const FieldFilter = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Object({ gt: Type.Optional(Type.Union([Type.Number(), Type.String()])), lt: Type.Optional(Type.Union([Type.Number(), Type.String()])) }, { additionalProperties: false }),
])

const VariableSpec = Type.Union([
  Type.String({ description: 'A literal, or a contact value such as "{{contact.first_name}}" or "{{contact.fields.plan_tier}}".' }),
  Type.Object({ value: Type.String(), default: Type.Optional(Type.String({ description: 'Used when the contact lacks the value.' })) }, { additionalProperties: false }),
])

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    number_id: Type.Optional(Type.String({ format: 'uuid', description: 'The number to send from; the default number otherwise.' })),
    template_key: Type.String({ minLength: 1, maxLength: 512 }),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 15 })),
    audience: Type.Object(
      {
        tags_any: Type.Optional(Type.Array(Type.String())),
        tags_all: Type.Optional(Type.Array(Type.String())),
        fields: Type.Optional(Type.Record(Type.String(), FieldFilter, { description: 'As in the contact list: a value to match, or {gt, lt} for numbers and dates.' })),
        contact_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 100_000 })),
        phones: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000 })),
      },
      { additionalProperties: false },
    ),
    variables: Type.Optional(Type.Record(Type.String(), VariableSpec)),
    scheduled_at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
)

const Action = (verb: string, summary: string, description: string) => ({
  config: { scope: 'broadcasts:write' as const },
  schema: { tags: ['broadcasts'], summary, description, params: IdParams, response: { 200: Envelope(BroadcastViewSchema) } },
  verb,
})

export const broadcastRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/broadcasts',
    {
      config: { scope: 'broadcasts:write', idempotent: true },
      schema: {
        tags: ['broadcasts'],
        summary: 'Create a broadcast (draft)',
        description:
          'An approved template to an audience: contacts matching tags and custom-field filters, plus listed contacts and phones. ' +
          'Variables map each template variable to a literal or a contact value, with a default. Created as draft; `audience_count` says how many recipients the audience has now. ' +
          'The audience is fixed when it starts; MARKETING templates skip opted-out contacts.',
        body: CreateBody,
        response: { 201: Envelope(Type.Intersect([BroadcastViewSchema, Type.Object({ audience_count: Type.Integer() })])) },
      },
    },
    async (req, reply) => {
      const businessId = principalOf(req).businessId
      const { broadcast, audienceCount } = await createBroadcast(app.deps, businessId, {
        name: req.body.name,
        numberId: req.body.number_id,
        templateKey: req.body.template_key,
        language: req.body.language,
        audience: req.body.audience,
        variables: req.body.variables,
        scheduledAt: req.body.scheduled_at ? new Date(req.body.scheduled_at) : null,
      })
      const view = await getBroadcast(app.deps, businessId, broadcast.id)
      return reply.code(201).send({ message: 'Broadcast created as a draft; start it when ready', data: { ...toBroadcastView(view), audience_count: audienceCount } })
    },
  )

  app.get(
    '/v1/broadcasts',
    {
      config: { scope: 'broadcasts:read' },
      schema: { tags: ['broadcasts'], summary: 'List broadcasts', querystring: Type.Object(PageQuery), response: { 200: ListEnvelope(BroadcastViewSchema) } },
    },
    async (req) => {
      const page = await listBroadcasts(app.deps, principalOf(req).businessId, req.query.page_size ?? 50, req.query.page_token)
      return { message: 'Broadcasts retrieved', data: page.items.map(toBroadcastView), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    },
  )

  app.get(
    '/v1/broadcasts/:id',
    {
      config: { scope: 'broadcasts:read' },
      schema: { tags: ['broadcasts'], summary: 'Get a broadcast with its counts', params: IdParams, response: { 200: Envelope(BroadcastViewSchema) } },
    },
    async (req) => ({ message: 'Broadcast retrieved', data: toBroadcastView(await getBroadcast(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.get(
    '/v1/broadcasts/:id/recipients',
    {
      config: { scope: 'broadcasts:read' },
      schema: {
        tags: ['broadcasts'],
        summary: 'The recipients of a broadcast, with status and error',
        params: IdParams,
        querystring: Type.Object({ status: Type.Optional(Type.Enum(RECIPIENT_STATUSES)), ...PageQuery }),
        response: { 200: ListEnvelope(RecipientViewSchema) },
      },
    },
    async (req) => {
      const page = await listRecipients(app.deps, principalOf(req).businessId, req.params.id, {
        status: req.query.status,
        pageSize: req.query.page_size ?? 50,
        pageToken: req.query.page_token,
      })
      return { message: 'Recipients retrieved', data: page.items.map(toRecipientView), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    },
  )

  const actions = [
    Action('start', 'Start a broadcast', 'Fixes the audience (one recipient per contact) and starts sending, or schedules it when scheduled_at is in the future. The template must be APPROVED.'),
    Action('pause', 'Pause a broadcast', 'Stops queuing; messages not yet handed to WhatsApp are taken back and sent on resume.'),
    Action('resume', 'Resume a paused broadcast', 'Carries on with the recipients not yet sent.'),
    Action('cancel', 'Cancel a broadcast', 'Stops it for good; recipients not yet sent are skipped.'),
  ]
  const run = { start: startBroadcast, pause: pauseBroadcast, resume: resumeBroadcast, cancel: cancelBroadcast }
  for (const a of actions) {
    const verb = a.verb as keyof typeof run
    app.post(`/v1/broadcasts/:id/${verb}`, { config: a.config, schema: a.schema }, async (req) => ({
      message: `Broadcast ${verb === 'start' ? 'started' : verb === 'pause' ? 'paused' : verb === 'resume' ? 'resumed' : 'cancelled'}`,
      data: toBroadcastView(await run[verb](app.deps, principalOf(req).businessId, (req.params as { id: string }).id)),
    }))
  }
}
