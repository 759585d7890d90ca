import { Type } from 'typebox'
import type { TemplateRow } from '../../store/templates.js'
import { iso, Timestamp } from '../schemas.js'

export const TemplateView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    language: Type.String(),
    category: Type.String({ description: 'MARKETING, UTILITY or AUTHENTICATION.' }),
    status: Type.String({ description: 'PENDING, APPROVED, REJECTED, PAUSED or DISABLED (kept in sync from the provider).' }),
    status_reason: Type.Union([Type.String(), Type.Null()]),
    body: Type.String(),
    header: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    footer: Type.Union([Type.String(), Type.Null()]),
    buttons: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    variables: Type.Array(Type.String(), { description: 'Variable names in the header and body, e.g. first_name (or 1, 2 for numbered ones).' }),
    examples: Type.Record(Type.String(), Type.String()),
    provider_template_id: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Template' },
)

export function toTemplateView(t: TemplateRow) {
  const header = t.header ? Object.fromEntries(Object.entries(t.header).map(([k, v]) => [k === 'exampleHandle' ? 'example_handle' : k, v])) : null
  return {
    id: t.id,
    number_id: t.numberId,
    name: t.name,
    language: t.language,
    category: t.category,
    status: t.status,
    status_reason: t.statusReason,
    body: t.body,
    header,
    footer: t.footer,
    buttons: t.buttons.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k === 'phoneNumber' ? 'phone_number' : k, v]))),
    variables: t.variables,
    examples: t.examples,
    provider_template_id: t.providerTemplateId,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  }
}
