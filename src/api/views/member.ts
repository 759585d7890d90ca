import { Type } from 'typebox'
import type { MemberRow } from '../../store/members.js'
import { Timestamp, iso } from '../schemas.js'

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('agent')], {
  description: 'agent: conversations, contacts and tags; admin: everything but owners and API keys; owner: everything.',
})

export const MemberView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    business_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    email: Type.String(),
    role: RoleSchema,
    has_password: Type.Boolean({ description: 'False while an invite is pending.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Member' },
)

export function toMemberView(m: MemberRow) {
  return {
    id: m.id,
    business_id: m.businessId,
    name: m.name,
    email: m.email,
    role: m.role as 'owner' | 'admin' | 'agent',
    has_password: m.passwordHash !== null,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
  }
}
