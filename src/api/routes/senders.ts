import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { SENDER_STATES } from '../../domain/sender-lifecycle.js'
import { ACCEPTED_BILLING_CATEGORIES, DEPRECATED_BILLING_CATEGORIES, MAX_TEST_NUMBERS, REGIONS, USE_CASES, type SenderInput } from '../../domain/sender.js'
import {
  createSender,
  deleteSender,
  getSender,
  launchSender,
  listSenders,
  senderEvents,
  submitSender,
  updateSender,
  type SenderChanges,
} from '../../services/senders.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, PageQuery } from '../schemas.js'
import { SenderEventView, SenderView, toSenderEventView, toSenderView } from '../views/sender.js'

// Sender provisioning over HTTP: snake_case in, one service call, snake_case out.

const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) })
const Url = Type.Union([Type.String({ maxLength: 2000, description: 'An absolute http(s) URL.' }), Type.Null()])

const Brand = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.Union([Text(2000), Type.Null()])),
    emails: Type.Optional(Type.Array(Type.Object({ label: Text(100), address: Text(320) }, { additionalProperties: false }), { maxItems: 10 })),
    phones: Type.Optional(
      Type.Array(Type.Object({ label: Text(100), number: Text(40, 'E.164, e.g. +14155550123.') }, { additionalProperties: false }), { maxItems: 10 }),
    ),
    websites: Type.Optional(Type.Array(Type.Object({ label: Text(100), url: Text(2000) }, { additionalProperties: false }), { maxItems: 10 })),
    color: Type.Optional(Type.Union([Text(7, 'A colour as #RRGGBB.'), Type.Null()])),
    logo_url: Type.Optional(Url),
    banner_url: Type.Optional(Url),
    privacy_policy_url: Type.Optional(Url),
    terms_of_service_url: Type.Optional(Url),
  },
  { additionalProperties: false },
)

const detailsParts = {
  test_numbers: Type.Optional(
    Type.Array(Text(40), { maxItems: MAX_TEST_NUMBERS, description: 'E.164 numbers that may receive messages while the sender is in test.' }),
  ),
  countries: Type.Optional(Type.Array(Text(2, 'ISO 3166-1 alpha-2, e.g. DE.'), { maxItems: 250 })),
  questionnaire: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form answers, kept as sent.' })),
}

const BillingCategory = Type.Enum(ACCEPTED_BILLING_CATEGORIES, {
  description: `CONVERSATIONAL or NON_CONVERSATIONAL. Deprecated and mapped (with a Deprecation header): ${Object.entries(DEPRECATED_BILLING_CATEGORIES)
    .map(([from, to]) => `${from} → ${to}`)
    .join(', ')}.`,
})

const senderFields = {
  display_name: Type.String({ minLength: 1, maxLength: 100 }),
  phone: Type.String({ minLength: 1, maxLength: 40, description: 'The number to provision, E.164.' }),
  region: Type.Enum(REGIONS),
  billing_category: BillingCategory,
  use_case: Type.Enum(USE_CASES),
}

const CreateBody = Type.Object(
  { ...senderFields, details: Type.Object({ brand: Brand, ...detailsParts }, { additionalProperties: false }) },
  { additionalProperties: false },
)
type CreateBody = Static<typeof CreateBody>

const PatchBody = Type.Object(
  {
    display_name: Type.Optional(senderFields.display_name),
    phone: Type.Optional(senderFields.phone),
    region: Type.Optional(senderFields.region),
    billing_category: Type.Optional(senderFields.billing_category),
    use_case: Type.Optional(senderFields.use_case),
    details: Type.Optional(
      Type.Object({ brand: Type.Optional(Brand), ...detailsParts }, { additionalProperties: false, description: 'Each part given replaces that part.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

const SubmitBody = Type.Object(
  {
    cloud: Type.Optional(
      Type.Object(
        {
          phone_number_id: Type.String({ pattern: '^[0-9]{1,32}$', description: "Meta's id of the number, added to your WABA in Meta." }),
          waba_id: Type.String({ pattern: '^[0-9]{1,32}$' }),
          access_token: Type.String({ minLength: 1, maxLength: 1000 }),
          app_secret: Type.String({ minLength: 1, maxLength: 200 }),
          graph_base_url: Type.Optional(Type.String({ maxLength: 500, description: 'Defaults to https://graph.facebook.com.' })),
          graph_version: Type.Optional(Type.String({ maxLength: 20, description: 'Defaults to v23.0.' })),
        },
        { additionalProperties: false, description: 'Provision on the Cloud API instead of the emulator.' },
      ),
    ),
  },
  { additionalProperties: false },
)

const LaunchBody = Type.Object(
  { pin: Type.Optional(Type.String({ description: 'Six-digit two-step verification PIN; required on the Cloud API, generated for the emulator.' })) },
  { additionalProperties: false },
)

const ListQuery = Type.Object(
  {
    ...PageQuery,
    states: Type.Optional(Type.Array(Type.Enum(SENDER_STATES), { description: 'Repeat for several: ?states=DRAFT&states=IN_TEST.' })),
    sender_ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 200 })),
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the display name, brand name or phone.' })),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the display name.' })),
    sort_column: Type.Optional(Type.Enum(['CREATED', 'MODIFIED', 'NAME', 'STATE'] as const)),
    sort_direction: Type.Optional(Type.Enum(['ASC', 'DESC'] as const)),
  },
  { additionalProperties: false },
)

const WithWarnings = Type.Object({
  message: Type.String(),
  data: SenderView,
  warnings: Type.Optional(Type.Array(Type.String(), { description: 'Deprecations in the request (also flagged by the Deprecation header).' })),
})

const SenderList = Type.Object({
  message: Type.String(),
  data: Type.Array(SenderView),
  total_size: Type.Integer({ description: 'How many senders match the filters, over all pages.' }),
  next_page_token: Type.Optional(Type.String({ description: 'Pass as page_token for the next page (with the same sort); absent on the last page.' })),
})

// RFC 9745: the deprecated values have been deprecated since this date (structured-field Date).
const DEPRECATED_SINCE = '@1735689600'

function deprecation(reply: FastifyReply, warnings: string[]): { warnings?: string[] } {
  if (warnings.length === 0) return {}
  reply.header('deprecation', DEPRECATED_SINCE)
  return { warnings }
}

/** Submit and launch need no body with the emulator: a bare POST is read as `{}`, so it validates as one. */
async function emptyBodyIsObject(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {}
}

type BrandBody = CreateBody['details']['brand']
function brandInput(b: BrandBody): SenderInput['details']['brand'] {
  return {
    name: b.name,
    description: b.description,
    emails: b.emails,
    phones: b.phones,
    websites: b.websites,
    color: b.color,
    logoUrl: b.logo_url,
    bannerUrl: b.banner_url,
    privacyPolicyUrl: b.privacy_policy_url,
    termsOfServiceUrl: b.terms_of_service_url,
  }
}

export const senderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['senders']

  app.post(
    '/v1/senders',
    {
      config: { scope: 'numbers:write', idempotent: true },
      schema: {
        tags,
        summary: 'Create a sender',
        description: 'Created in DRAFT. Every invalid field is listed by its path, e.g. details.brand.emails[1].address.',
        body: CreateBody,
        response: { 201: WithWarnings },
      },
    },
    async (req, reply) => {
      const b = req.body
      const { sender, warnings } = await createSender(app.deps, principalOf(req).businessId, {
        displayName: b.display_name,
        phone: b.phone,
        region: b.region,
        billingCategory: b.billing_category,
        useCase: b.use_case,
        details: { brand: brandInput(b.details.brand), testNumbers: b.details.test_numbers, countries: b.details.countries, questionnaire: b.details.questionnaire },
      })
      return reply.code(201).send({ message: 'Sender created in DRAFT; submit it for review with POST /v1/senders/:id/submit', data: toSenderView(sender), ...deprecation(reply, warnings) })
    },
  )

  app.get(
    '/v1/senders',
    {
      config: { scope: 'numbers:read' },
      schema: { tags, summary: 'List senders', description: 'Filtered, sorted, paged with page tokens; total_size counts every match.', querystring: ListQuery, response: { 200: SenderList } },
    },
    async (req) => {
      const q = req.query
      const page = await listSenders(app.deps, principalOf(req).businessId, {
        pageSize: q.page_size ?? 50,
        pageToken: q.page_token,
        states: q.states,
        senderIds: q.sender_ids,
        search: q.search,
        name: q.name,
        sortColumn: q.sort_column,
        sortDirection: q.sort_direction,
      })
      return {
        message: 'Senders retrieved',
        data: page.items.map(toSenderView),
        total_size: page.totalSize,
        ...(page.next ? { next_page_token: page.next } : {}),
      }
    },
  )

  app.get(
    '/v1/senders/:id',
    { config: { scope: 'numbers:read' }, schema: { tags, summary: 'Get a sender', params: IdParams, response: { 200: Envelope(SenderView) } } },
    async (req) => ({ message: 'Sender retrieved', data: toSenderView(await getSender(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.patch(
    '/v1/senders/:id',
    {
      config: { scope: 'numbers:write' },
      schema: {
        tags,
        summary: 'Change a sender',
        description: 'Only in DRAFT or REJECTED (409 invalid_transition otherwise). Fields given replace the stored ones; inside details, each part given replaces that part.',
        params: IdParams,
        body: PatchBody,
        response: { 200: WithWarnings },
      },
    },
    async (req, reply) => {
      const b = req.body
      const changes: SenderChanges = {
        displayName: b.display_name,
        phone: b.phone,
        region: b.region,
        billingCategory: b.billing_category,
        useCase: b.use_case,
      }
      if (b.details) {
        const d: NonNullable<SenderChanges['details']> = {}
        if (b.details.brand) d.brand = brandInput(b.details.brand)
        if (b.details.test_numbers) d.testNumbers = b.details.test_numbers
        if (b.details.countries) d.countries = b.details.countries
        if (b.details.questionnaire) d.questionnaire = b.details.questionnaire
        changes.details = d
      }
      const { sender, warnings } = await updateSender(app.deps, principalOf(req).businessId, req.params.id, changes)
      return { message: 'Sender updated', data: toSenderView(sender), ...deprecation(reply, warnings) }
    },
  )

  app.delete(
    '/v1/senders/:id',
    {
      config: { scope: 'numbers:write' },
      schema: { tags, summary: 'Delete a sender', description: 'Not once LAUNCHING or LAUNCHED (409 invalid_transition).', params: IdParams, response: { 200: Envelope(SenderView) } },
    },
    async (req) => ({ message: 'Sender deleted', data: toSenderView(await deleteSender(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.post(
    '/v1/senders/:id/submit',
    {
      config: { scope: 'numbers:write' },
      schema: {
        tags,
        summary: 'Submit a sender for review',
        description:
          'DRAFT or REJECTED → IN_REVIEW. Review then ends in IN_TEST (a number is made that may message the test numbers) or REJECTED with reasons per field. ' +
          'With the emulator no body is needed; on the Cloud API send the number\'s credentials as `cloud`.',
        params: IdParams,
        body: SubmitBody,
        response: { 200: Envelope(SenderView) },
      },
      preValidation: emptyBodyIsObject,
    },
    async (req) => {
      const c = req.body.cloud
      const sender = await submitSender(app.deps, principalOf(req).businessId, req.params.id, {
        cloud: c
          ? { phoneNumberId: c.phone_number_id, wabaId: c.waba_id, accessToken: c.access_token, appSecret: c.app_secret, graphBaseUrl: c.graph_base_url, graphVersion: c.graph_version }
          : undefined,
      })
      return { message: 'Sender submitted for review; follow it with GET /v1/senders/:id', data: toSenderView(sender) }
    },
  )

  app.post(
    '/v1/senders/:id/launch',
    {
      config: { scope: 'numbers:write' },
      schema: {
        tags,
        summary: 'Launch a sender',
        description: 'IN_TEST or FAILED → LAUNCHING → LAUNCHED (its number may then message anyone) or FAILED with the reason.',
        params: IdParams,
        body: LaunchBody,
        response: { 200: Envelope(SenderView) },
      },
      preValidation: emptyBodyIsObject,
    },
    async (req) => {
      const sender = await launchSender(app.deps, principalOf(req).businessId, req.params.id, { pin: req.body.pin })
      return { message: 'Sender launching; follow it with GET /v1/senders/:id', data: toSenderView(sender) }
    },
  )

  app.get(
    '/v1/senders/:id/events',
    {
      config: { scope: 'numbers:read' },
      schema: { tags, summary: 'History of a sender', description: 'Every state change, oldest first.', params: IdParams, response: { 200: Envelope(Type.Array(SenderEventView)) } },
    },
    async (req) => {
      const events = await senderEvents(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Sender history retrieved', data: events.map(toSenderEventView) }
    },
  )
}
