import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  addContactTags,
  createContact,
  deleteContact,
  getContact,
  listContacts,
  removeContactTag,
  setOptOut,
  updateContact,
} from '../../services/contacts.js'
import { contactFilterQuery, contactQueryFrom, fieldFilterOptions } from '../contact-query.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery } from '../schemas.js'
import { ContactView, toContactView } from '../views/contact.js'

const Nullable = (max: number, description?: string) => Type.Optional(Type.Union([Type.String({ maxLength: max, description }), Type.Null()]))
// Values stay untyped here: the API's schema coercion would turn "42" into 42 for a union type. The
// service checks each value against its field's type instead, and names the field when it is wrong.
const FieldValues = Type.Record(Type.String(), Type.Unknown({ description: 'A string, number or boolean, by the field’s type; null removes the value.' }), {
  description: 'Custom field values by key, checked against the field types (GET /v1/contact-fields).',
})
const TagNames = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, description: 'Tag names; tags that do not exist yet are created.' })

const ContactBody = {
  name: Nullable(200),
  first_name: Nullable(200),
  last_name: Nullable(200),
  email: Nullable(254),
  language: Nullable(20, 'A language code such as en or pt_BR.'),
  fields: Type.Optional(FieldValues),
}

const CreateBody = Type.Object(
  { phone: Type.String({ maxLength: 40, description: 'In international format, e.g. +14155550123; stored as E.164.' }), ...ContactBody, tags: Type.Optional(TagNames) },
  { additionalProperties: false },
)
const UpdateBody = Type.Object(
  { phone: Type.Optional(Type.String({ maxLength: 40 })), ...ContactBody, tags: Type.Optional({ ...TagNames, description: 'Replaces the contact’s tags.' }) },
  { additionalProperties: false },
)
const OptQuery = Type.Object(
  { source: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Where the request came from, e.g. "web_form"; recorded with the change.' })) },
  { additionalProperties: false },
)

function input(b: { phone?: string; name?: string | null; first_name?: string | null; last_name?: string | null; email?: string | null; language?: string | null; fields?: Record<string, unknown>; tags?: string[] }) {
  return { phone: b.phone, name: b.name, firstName: b.first_name, lastName: b.last_name, email: b.email, language: b.language, fields: b.fields, tags: b.tags }
}

export const contactRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['contacts']

  app.post(
    '/v1/contacts',
    {
      config: { scope: 'contacts:write', idempotent: true },
      schema: {
        tags,
        summary: 'Create a contact',
        description:
          'The phone is normalised to E.164 and is unique per business: an existing phone answers 409 `contact_exists` with the existing id, unless `?upsert=true`, which merges into that contact (200).',
        querystring: Type.Object({ upsert: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        body: CreateBody,
        response: { 200: Envelope(ContactView), 201: Envelope(ContactView) },
      },
    },
    async (req, reply) => {
      const { contact, created } = await createContact(app.deps, principalOf(req).businessId, { ...input(req.body), phone: req.body.phone }, { upsert: req.query.upsert })
      return reply.code(created ? 201 : 200).send({ message: created ? 'Contact created' : 'Contact updated', data: toContactView(contact) })
    },
  )

  app.get(
    '/v1/contacts',
    {
      config: { scope: 'contacts:read' },
      schema: {
        tags,
        summary: 'List contacts',
        description: 'Newest first. Filter by name or phone (`search`), tags, custom fields (`fields[key]=value`, `fields[key][gt]=`/`[lt]=`) and opt-out.',
        querystring: Type.Object({ ...contactFilterQuery, ...PageQuery }, fieldFilterOptions),
        response: { 200: ListEnvelope(ContactView) },
      },
    },
    async (req) => {
      const q = req.query as Record<string, unknown>
      const { items, next } = await listContacts(app.deps, principalOf(req).businessId, contactQueryFrom(q), {
        size: req.query.page_size ?? 50,
        token: req.query.page_token,
      })
      return { message: 'Contacts retrieved', data: items.map(toContactView), ...(next ? { next_page_token: next } : {}) }
    },
  )

  app.get(
    '/v1/contacts/:id',
    { config: { scope: 'contacts:read' }, schema: { tags, summary: 'Get a contact', params: IdParams, response: { 200: Envelope(ContactView) } } },
    async (req) => ({ message: 'Contact retrieved', data: toContactView(await getContact(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.patch(
    '/v1/contacts/:id',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Update a contact',
        description: 'Given values replace stored ones (null clears); `fields` are merged (null removes one); `tags`, when given, replace the contact’s tags.',
        params: IdParams,
        body: UpdateBody,
        response: { 200: Envelope(ContactView) },
      },
    },
    async (req) => ({ message: 'Contact updated', data: toContactView(await updateContact(app.deps, principalOf(req).businessId, req.params.id, input(req.body))) }),
  )

  app.delete(
    '/v1/contacts/:id',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Delete a contact (erase personal data)',
        description:
          'Erases the contact’s personal data: phone, names, email, language, custom fields and tags. The contact’s id stays as a pseudonymous owner of its conversations and messages, so history remains consistent but no longer identifies the person. The contact no longer appears in lists or lookups; a new message from the same phone creates a new contact.',
        params: IdParams,
        response: { 200: Envelope(Type.Object({ id: Type.String({ format: 'uuid' }), deleted: Type.Boolean() })) },
      },
    },
    async (req) => {
      await deleteContact(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Contact deleted; its personal data is erased', data: { id: req.params.id, deleted: true } }
    },
  )

  app.post(
    '/v1/contacts/:id/tags',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Tag a contact',
        description: 'Adds tags by name, creating tags that do not exist yet.',
        params: IdParams,
        body: Type.Object({ tags: TagNames }, { additionalProperties: false }),
        response: { 200: Envelope(ContactView) },
      },
    },
    async (req) => ({ message: 'Tags added', data: toContactView(await addContactTags(app.deps, principalOf(req).businessId, req.params.id, req.body.tags)) }),
  )

  app.delete(
    '/v1/contacts/:id/tags/:tag',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Untag a contact',
        params: Type.Object({ id: Type.String({ format: 'uuid' }), tag: Type.String({ minLength: 1, maxLength: 64, description: 'The tag name (any case).' }) }),
        response: { 200: Envelope(ContactView) },
      },
    },
    async (req) => ({ message: 'Tag removed', data: toContactView(await removeContactTag(app.deps, principalOf(req).businessId, req.params.id, req.params.tag)) }),
  )

  for (const [path, optedOut] of [['opt-out', true], ['opt-in', false]] as const) {
    app.post(
      `/v1/contacts/:id/${path}`,
      {
        config: { scope: 'contacts:write' },
        schema: {
          tags,
          summary: optedOut ? 'Opt a contact out of marketing' : 'Opt a contact back in',
          description: optedOut
            ? 'Opted-out contacts receive no MARKETING templates (422 contact_opted_out). The time and source are recorded.'
            : 'Records the time and source of the opt-in.',
          params: IdParams,
          querystring: OptQuery,
          response: { 200: Envelope(ContactView) },
        },
      },
      async (req) => {
        const p = principalOf(req)
        const source = req.query.source ?? (p.kind === 'member' ? 'inbox' : 'api')
        const c = await setOptOut(app.deps, p.businessId, req.params.id, optedOut, source)
        return { message: optedOut ? 'Contact opted out' : 'Contact opted in', data: toContactView(c) }
      },
    )
  }
}
