import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createContactField, deleteContactField, listContactFields, updateContactField } from '../../services/contact-fields.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, ListEnvelope } from '../schemas.js'
import { ContactFieldView, toContactFieldView } from '../views/contact-field.js'

const Key = Type.String({ maxLength: 100, description: 'Lowercase letters, digits and _, starting with a letter (^[a-z][a-z0-9_]{0,63}$).' })
const Label = Type.String({ minLength: 1, maxLength: 100 })
const TypeName = Type.String({ description: 'string, number, boolean, date or enum.' })
const Options = Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The allowed values of an enum field.' })
const KeyParams = Type.Object({ key: Key })

export const contactFieldRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['contact-fields']

  app.post(
    '/v1/contact-fields',
    {
      config: { scope: 'contacts:write', idempotent: true },
      schema: {
        tags,
        summary: 'Create a custom contact field',
        body: Type.Object({ key: Key, label: Label, type: TypeName, options: Type.Optional(Options) }, { additionalProperties: false }),
        response: { 201: Envelope(ContactFieldView) },
      },
    },
    async (req, reply) => {
      const f = await createContactField(app.deps, { businessId: principalOf(req).businessId, ...req.body })
      return reply.code(201).send({ message: 'Field created', data: toContactFieldView(f) })
    },
  )

  app.get(
    '/v1/contact-fields',
    { config: { scope: 'contacts:read' }, schema: { tags, summary: 'List custom contact fields', response: { 200: ListEnvelope(ContactFieldView) } } },
    async (req) => ({ message: 'Fields retrieved', data: (await listContactFields(app.deps, principalOf(req).businessId)).map(toContactFieldView) }),
  )

  app.patch(
    '/v1/contact-fields/:key',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Update a custom contact field',
        description:
          'A new type or new enum options are refused (409 field_values_incompatible, with how many) when stored values would not fit; values that fit once read as the new type ("42" → 42) are converted.',
        params: KeyParams,
        body: Type.Object({ label: Type.Optional(Label), type: Type.Optional(TypeName), options: Type.Optional(Options) }, { additionalProperties: false }),
        response: { 200: Envelope(ContactFieldView) },
      },
    },
    async (req) => ({ message: 'Field updated', data: toContactFieldView(await updateContactField(app.deps, { businessId: principalOf(req).businessId, key: req.params.key, ...req.body })) }),
  )

  app.delete(
    '/v1/contact-fields/:key',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Delete a custom contact field',
        description: 'Also removes every contact’s value for it.',
        params: KeyParams,
        response: { 200: Envelope(Type.Object({ key: Type.String(), deleted: Type.Boolean() })) },
      },
    },
    async (req) => {
      await deleteContactField(app.deps, principalOf(req).businessId, req.params.key)
      return { message: 'Field deleted', data: { key: req.params.key, deleted: true } }
    },
  )
}
