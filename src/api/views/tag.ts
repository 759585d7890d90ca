import { Type } from 'typebox'
import type { TagWithCount } from '../../store/tags.js'
import { Timestamp, iso } from '../schemas.js'

export const TagView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    color: Type.Union([Type.String(), Type.Null()]),
    contact_count: Type.Integer({ description: 'Contacts that carry this tag.' }),
    created_at: Timestamp,
  },
  { $id: 'Tag' },
)

export function toTagView(t: TagWithCount) {
  return { id: t.id, name: t.name, color: t.color, contact_count: t.contactCount, created_at: iso(t.createdAt) }
}
