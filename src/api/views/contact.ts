import { Type } from 'typebox'
import type { Contact } from '../../services/contacts.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

const NullableString = Type.Union([Type.String(), Type.Null()])

export const ContactView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    phone: Type.Union([Type.String({ description: 'E.164, e.g. +14155550123.' }), Type.Null()]),
    name: NullableString,
    first_name: NullableString,
    last_name: NullableString,
    email: NullableString,
    language: NullableString,
    fields: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'Custom field values by field key.' }),
    tags: Type.Array(Type.String()),
    opted_out: Type.Boolean(),
    opted_out_at: NullableTimestamp,
    opt_source: Type.Union([Type.String({ description: 'Who changed the opt-out state last: api, inbox, keyword, or the source given.' }), Type.Null()]),
    opt_changed_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Contact' },
)

export function toContactView(c: Contact) {
  return {
    id: c.id,
    phone: c.phone,
    name: c.name,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    language: c.language,
    fields: c.fields as Record<string, string | number | boolean>,
    tags: c.tags,
    opted_out: c.optedOut,
    opted_out_at: isoOrNull(c.optedOutAt),
    opt_source: c.optSource,
    opt_changed_at: isoOrNull(c.optChangedAt),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  }
}
