import { Type } from 'typebox'
import { contactWire } from '../../shared/contact-wire.js'
import { NullableTimestamp, Timestamp } from '../schemas.js'

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

/** The shape lives in src/shared/contact-wire.ts: the contact.* webhooks carry it too. */
export const toContactView = contactWire
