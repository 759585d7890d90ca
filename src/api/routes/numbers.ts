import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createNumber, deleteNumber, getNumber, listNumbers, updateNumber } from '../../services/numbers.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope } from '../schemas.js'
import { NumberView, toNumberView } from '../views/number.js'

// WhatsApp numbers, with Meta's field names. Secrets go in, never out.

const secret = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description })

const CreateNumberBody = Type.Object(
  {
    display_phone_number: Type.String({ minLength: 1, maxLength: 40, description: 'The number in E.164, e.g. +14155550123.' }),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'A label, e.g. "Support line".' }),
    phone_number_id: Type.String({ minLength: 1, maxLength: 32, description: "Meta's phone number id (WhatsApp Manager → API Setup)." }),
    waba_id: Type.String({ minLength: 1, maxLength: 32, description: 'The WhatsApp Business Account id.' }),
    access_token: secret('A system-user access token with whatsapp_business_messaging and whatsapp_business_management.'),
    app_secret: secret("The Meta app's secret: inbound webhooks are checked against it (X-Hub-Signature-256)."),
    verify_token: Type.Optional(secret('The token you type in the webhook setup of the Meta app (GET /webhooks/whatsapp handshake).')),
    graph_base_url: Type.Optional(Type.String({ maxLength: 500, description: 'Default https://graph.facebook.com (or the emulator URL).' })),
    graph_version: Type.Optional(Type.String({ maxLength: 10, description: 'Default v23.0.' })),
    throughput_mps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Messages per second Meta allows this number; default 80.' })),
    is_default: Type.Optional(Type.Boolean({ description: "Sends that name no number go from the default. A business's first number is its default." })),
  },
  { additionalProperties: false },
)

const UpdateNumberBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    access_token: Type.Optional(secret('A new access token; reconnects a disconnected number.')),
    app_secret: Type.Optional(secret('A new app secret.')),
    verify_token: Type.Optional(Type.Union([secret('A new verify token.'), Type.Null()])),
    graph_base_url: Type.Optional(Type.String({ maxLength: 500 })),
    graph_version: Type.Optional(Type.String({ maxLength: 10 })),
    throughput_mps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    is_default: Type.Optional(Type.Boolean({ description: 'true makes this number the default (the old default stops being it).' })),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const numberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/numbers',
    {
      config: { scope: 'numbers:write', idempotent: true },
      schema: {
        tags: ['numbers'],
        summary: 'Connect a WhatsApp number',
        description: 'Secrets are encrypted at rest and never returned. Point your Meta app webhook at /webhooks/whatsapp.',
        body: CreateNumberBody,
        response: { 201: Envelope(NumberView) },
      },
    },
    async (req, reply) => {
      const b = req.body
      const n = await createNumber(app.deps, principalOf(req).businessId, {
        displayPhoneNumber: b.display_phone_number,
        name: b.name,
        phoneNumberId: b.phone_number_id,
        wabaId: b.waba_id,
        accessToken: b.access_token,
        appSecret: b.app_secret,
        verifyToken: b.verify_token,
        graphBaseUrl: b.graph_base_url,
        graphVersion: b.graph_version,
        throughputMps: b.throughput_mps,
        isDefault: b.is_default,
      })
      return reply.code(201).send({ message: 'Number connected', data: toNumberView(n) })
    },
  )

  app.get(
    '/v1/numbers',
    {
      config: { scope: 'numbers:read' },
      schema: { tags: ['numbers'], summary: 'List WhatsApp numbers', response: { 200: ListEnvelope(NumberView) } },
    },
    async (req) => {
      const rows = await listNumbers(app.deps, principalOf(req).businessId)
      return { message: 'Numbers retrieved', data: rows.map(toNumberView) }
    },
  )

  app.get(
    '/v1/numbers/:id',
    {
      config: { scope: 'numbers:read' },
      schema: { tags: ['numbers'], summary: 'Get a WhatsApp number', params: IdParams, response: { 200: Envelope(NumberView) } },
    },
    async (req) => {
      const n = await getNumber(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Number retrieved', data: toNumberView(n) }
    },
  )

  app.patch(
    '/v1/numbers/:id',
    {
      config: { scope: 'numbers:write' },
      schema: {
        tags: ['numbers'],
        summary: 'Update a WhatsApp number',
        description: 'phone_number_id, waba_id and display_phone_number identify the number at Meta and cannot change; connect a new number instead.',
        params: IdParams,
        body: UpdateNumberBody,
        response: { 200: Envelope(NumberView) },
      },
    },
    async (req) => {
      const b = req.body
      const n = await updateNumber(app.deps, principalOf(req).businessId, req.params.id, {
        name: b.name,
        accessToken: b.access_token,
        appSecret: b.app_secret,
        verifyToken: b.verify_token,
        graphBaseUrl: b.graph_base_url,
        graphVersion: b.graph_version,
        throughputMps: b.throughput_mps,
        isDefault: b.is_default,
      })
      return { message: 'Number updated', data: toNumberView(n) }
    },
  )

  app.delete(
    '/v1/numbers/:id',
    {
      config: { scope: 'numbers:write' },
      schema: {
        tags: ['numbers'],
        summary: 'Remove a WhatsApp number',
        description: 'Deletes the number with its conversations, messages and templates. If it was the default, the oldest other number becomes the default.',
        params: IdParams,
        response: { 200: Envelope(NumberView) },
      },
    },
    async (req) => {
      const n = await deleteNumber(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Number removed', data: toNumberView(n) }
    },
  )
}
