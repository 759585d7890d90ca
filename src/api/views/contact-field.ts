import { Type } from 'typebox'
import { FIELD_TYPES } from '../../domain/custom-fields.js'
import type { ContactFieldRow } from '../../store/contact-fields.js'
import { Timestamp, iso } from '../schemas.js'

export const FieldTypeSchema = Type.Union([
  Type.Literal('string'),
  Type.Literal('number'),
  Type.Literal('boolean'),
  Type.Literal('date'),
  Type.Literal('enum'),
])

export const ContactFieldView = Type.Object(
  {
    key: Type.String(),
    label: Type.String(),
    type: FieldTypeSchema,
    options: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The allowed values of an enum field; null for other types.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'ContactField' },
)

export function toContactFieldView(f: ContactFieldRow) {
  return { key: f.key, label: f.label, type: f.type as (typeof FIELD_TYPES)[number], options: f.options ?? null, created_at: iso(f.createdAt), updated_at: iso(f.updatedAt) }
}
