import { Type } from 'typebox'
import { createContactField } from '../../services/contact-fields.js'
import { addContactTags, createContact, listContacts, removeContactTag, updateContact } from '../../services/contacts.js'
import { compactContact } from '../compact.js'
import { defineTool } from '../tool.js'

const ContactId = Type.String({ format: 'uuid', description: 'The contact id (from list_contacts or create_contact).' })
const Fields = Type.Record(Type.String(), Type.Unknown(), { description: 'Custom field values by key, checked against each field’s type.' })
const nullableText = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]))

export const contactTools = [
  defineTool({
    name: 'list_contacts',
    title: 'Find contacts',
    description:
      'Lists contacts, newest first: search (part of a name or phone), tags (with tag_match "all" or "any"), custom field equality filters, opted_out. ' +
      'Returns {contacts: [{id, phone, name, first_name, tags, fields, opted_out}], next_page_token}.',
    scope: 'contacts:read',
    annotations: { readOnlyHint: true },
    input: Type.Object(
      {
        search: Type.Optional(Type.String()),
        tags: Type.Optional(Type.Array(Type.String(), { description: 'Tag names.' })),
        tag_match: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')], { default: 'any' })),
        fields: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Field key → value that must match exactly.' })),
        opted_out: Type.Optional(Type.Boolean()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        page_token: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const page = await listContacts(
        deps,
        principal.businessId,
        {
          search: input.search,
          tags: input.tags,
          tagMatch: input.tag_match,
          fields: Object.entries(input.fields ?? {}).map(([key, value]) => ({ key, op: 'eq' as const, value })),
          optedOut: input.opted_out,
        },
        { size: input.limit ?? 50, token: input.page_token },
      )
      return { contacts: page.items.map(compactContact), next_page_token: page.next ?? null }
    },
  }),

  defineTool({
    name: 'create_contact',
    title: 'Create a contact',
    description:
      'Creates a contact by phone (E.164, e.g. +14155550123; other formats are normalised, invalid ones refused with the reason). ' +
      'A phone that already exists is refused with contact_exists and the existing id — use update_contact then. Returns {contact}.',
    scope: 'contacts:write',
    input: Type.Object(
      {
        phone: Type.String(),
        name: Type.Optional(Type.String({ maxLength: 200 })),
        first_name: Type.Optional(Type.String({ maxLength: 200 })),
        last_name: Type.Optional(Type.String({ maxLength: 200 })),
        email: Type.Optional(Type.String({ maxLength: 320 })),
        language: Type.Optional(Type.String({ maxLength: 35 })),
        fields: Type.Optional(Fields),
        tags: Type.Optional(Type.Array(Type.String())),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const { contact } = await createContact(deps, principal.businessId, {
        phone: input.phone,
        name: input.name,
        firstName: input.first_name,
        lastName: input.last_name,
        email: input.email,
        language: input.language,
        fields: input.fields,
        tags: input.tags,
      })
      return { contact: compactContact(contact) }
    },
  }),

  defineTool({
    name: 'update_contact',
    title: 'Update a contact',
    description:
      'Updates given values of a contact (null clears a value); fields merge (null removes a key) and are checked against their types. Returns {contact}.',
    scope: 'contacts:write',
    annotations: { idempotentHint: true },
    input: Type.Object(
      {
        contact_id: ContactId,
        name: nullableText(200),
        first_name: nullableText(200),
        last_name: nullableText(200),
        email: nullableText(320),
        language: nullableText(35),
        fields: Type.Optional(Fields),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const c = await updateContact(deps, principal.businessId, input.contact_id, {
        name: input.name,
        firstName: input.first_name,
        lastName: input.last_name,
        email: input.email,
        language: input.language,
        fields: input.fields,
      })
      return { contact: compactContact(c) }
    },
  }),

  defineTool({
    name: 'tag_contact',
    title: 'Tag a contact',
    description: 'Adds tags to a contact (tags that do not exist yet are created). Returns {contact} with its tags.',
    scope: 'contacts:write',
    annotations: { idempotentHint: true },
    input: Type.Object({ contact_id: ContactId, tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1 }) }, { additionalProperties: false }),
    async run({ deps, principal }, input) {
      return { contact: compactContact(await addContactTags(deps, principal.businessId, input.contact_id, input.tags)) }
    },
  }),

  defineTool({
    name: 'untag_contact',
    title: 'Remove a tag from a contact',
    description: 'Removes one tag from a contact. Returns {contact} with its remaining tags.',
    scope: 'contacts:write',
    annotations: { idempotentHint: true },
    input: Type.Object({ contact_id: ContactId, tag: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    async run({ deps, principal }, input) {
      return { contact: compactContact(await removeContactTag(deps, principal.businessId, input.contact_id, input.tag)) }
    },
  }),

  defineTool({
    name: 'create_custom_field',
    title: 'Create a custom contact field',
    description:
      'Defines a custom field for contacts: key (lowercase, ^[a-z][a-z0-9_]{0,63}$), label, type string|number|boolean|date|enum (enum needs options). ' +
      'Values written later are checked against it. Returns {field}.',
    scope: 'contacts:write',
    input: Type.Object(
      {
        key: Type.String(),
        label: Type.String({ minLength: 1, maxLength: 100 }),
        type: Type.Union(['string', 'number', 'boolean', 'date', 'enum'].map((s) => Type.Literal(s))),
        options: Type.Optional(Type.Array(Type.String())),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const f = await createContactField(deps, { businessId: principal.businessId, key: input.key, label: input.label, type: input.type, options: input.options })
      return { field: { key: f.key, label: f.label, type: f.type, options: f.options } }
    },
  }),
]
