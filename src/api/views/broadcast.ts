import { Type } from 'typebox'
import type { BroadcastView } from '../../services/broadcasts.js'
import type { RecipientListItem } from '../../store/broadcasts.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

const BROADCAST_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const
type BroadcastStatus = (typeof BROADCAST_STATUSES)[number]

const Counts = Type.Object({
  total: Type.Integer(),
  queued: Type.Integer({ description: 'Not yet handed to WhatsApp (including recipients not yet queued).' }),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  read: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'Opted out, not on WhatsApp, or a variable with no value and no default.' }),
})

export const BroadcastViewSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    number_id: Type.String({ format: 'uuid' }),
    template: Type.Object({ id: Type.String(), key: Type.String(), language: Type.String(), category: Type.String(), status: Type.String() }),
    audience: Type.Record(Type.String(), Type.Unknown()),
    variables: Type.Record(Type.String(), Type.Unknown()),
    status: Type.Enum(BROADCAST_STATUSES),
    pause_reason: Type.Union([Type.String(), Type.Null()]),
    scheduled_at: NullableTimestamp,
    started_at: NullableTimestamp,
    completed_at: NullableTimestamp,
    created_at: Timestamp,
    counts: Counts,
  },
  { $id: 'Broadcast' },
)

export function toBroadcastView(v: BroadcastView) {
  const b = v.broadcast
  const { pending: _pending, ...counts } = v.counts
  return {
    id: b.id,
    name: b.name,
    number_id: b.numberId,
    template: { id: v.template.id, key: v.template.name, language: v.template.language, category: v.template.category, status: v.template.status },
    audience: b.audience,
    variables: b.variables,
    status: b.status as BroadcastStatus,
    pause_reason: b.pauseReason,
    scheduled_at: isoOrNull(b.scheduledAt),
    started_at: isoOrNull(b.startedAt),
    completed_at: isoOrNull(b.completedAt),
    created_at: iso(b.createdAt),
    counts,
  }
}

export const RecipientViewSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    contact_id: Type.Union([Type.String(), Type.Null()]),
    phone: Type.String(),
    status: Type.String({ description: 'pending, queued, sent, delivered, read, failed or skipped' }),
    skip_reason: Type.Union([Type.String(), Type.Null()]),
    message_id: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    updated_at: Timestamp,
  },
  { $id: 'BroadcastRecipient' },
)

export function toRecipientView(r: RecipientListItem) {
  return {
    id: r.id,
    contact_id: r.contactId,
    phone: r.phone,
    status: r.status,
    skip_reason: r.skipReason ?? (r.status === 'skipped' && r.error ? 'not_on_whatsapp' : null),
    message_id: r.messageId,
    error: r.error,
    updated_at: iso(r.updatedAt),
  }
}
