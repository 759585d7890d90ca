import { Type } from 'typebox'
import type { Conversation } from '../../services/conversations.js'
import { NullableTimestamp, iso, isoOrNull, Timestamp } from '../schemas.js'

const NullableId = Type.Union([Type.String({ format: 'uuid' }), Type.Null()])

export const ConversationView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    business_id: Type.String({ format: 'uuid' }),
    number_id: Type.String({ format: 'uuid', description: 'The WhatsApp number this conversation is on (one per number and contact).' }),
    contact_id: Type.String({ format: 'uuid' }),
    customer_phone: Type.Union([Type.String(), Type.Null()]),
    customer_name: Type.Union([Type.String(), Type.Null()]),
    status: Type.String({ description: 'open, pending_customer, pending or resolved.' }),
    mode: Type.String({ description: 'ai or human.' }),
    assignee_id: NullableId,
    team_id: NullableId,
    folder: Type.Union([Type.String(), Type.Null()]),
    unread_count: Type.Integer(),
    last_message_at: NullableTimestamp,
    last_message_preview: Type.Union([Type.String(), Type.Null()]),
    last_inbound_at: NullableTimestamp,
    last_outbound_at: NullableTimestamp,
    window_open: Type.Boolean({ description: 'True while free-form messages may be sent (24 hours from the customer’s last message).' }),
    window_expires_at: Type.Union([Timestamp, Type.Null()], { description: 'When the window closes (or closed); null if the customer never wrote.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Conversation' },
)

export function toConversationView(c: Conversation) {
  return {
    id: c.id,
    business_id: c.businessId,
    number_id: c.numberId,
    contact_id: c.contactId,
    customer_phone: c.customerPhone,
    customer_name: c.customerName,
    status: c.status,
    mode: c.mode,
    assignee_id: c.assigneeId,
    team_id: c.teamId,
    folder: c.folder,
    unread_count: c.unreadCount,
    last_message_at: isoOrNull(c.lastMessageAt),
    last_message_preview: c.lastMessagePreview,
    last_inbound_at: isoOrNull(c.lastInboundAt),
    last_outbound_at: isoOrNull(c.lastOutboundAt),
    window_open: c.window.open,
    window_expires_at: isoOrNull(c.window.expiresAt),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  }
}
