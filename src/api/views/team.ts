import { Type } from 'typebox'
import type { TeamWithMembers } from '../../store/teams.js'
import { Timestamp, iso } from '../schemas.js'

export const TeamView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    member_ids: Type.Array(Type.String({ format: 'uuid' })),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Team' },
)

export function toTeamView(t: TeamWithMembers) {
  return { id: t.id, name: t.name, member_ids: t.memberIds, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt) }
}
