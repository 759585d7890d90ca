import { Type } from 'typebox'
import type { ApiKeyRow } from '../../store/api-keys.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

export const ApiKeyView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    business_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
    scopes: Type.Array(Type.String()),
    created_at: Timestamp,
    last_used_at: NullableTimestamp,
    revoked_at: NullableTimestamp,
  },
  { $id: 'ApiKey' },
)

export function toApiKeyView(k: ApiKeyRow) {
  return {
    id: k.id,
    business_id: k.businessId,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created_at: iso(k.createdAt),
    last_used_at: isoOrNull(k.lastUsedAt),
    revoked_at: isoOrNull(k.revokedAt),
  }
}
