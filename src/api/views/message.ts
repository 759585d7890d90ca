import { Type } from 'typebox'
import type { MessageRow } from '../../store/messages.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

const Json = Type.Record(Type.String(), Type.Unknown())

export const MessageView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    conversation_id: Type.String({ format: 'uuid' }),
    direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
    message_type: Type.String({ description: 'text, image, document, audio, video, interactive, reaction, template, … (inbound: whatever WhatsApp sent).' }),
    text: Type.Union([Type.String(), Type.Null()], { description: 'What a person reads; for templates the rendered text.' }),
    payload: Type.Record(Type.String(), Type.Unknown(), { description: 'Type-specific content (media, buttons, list, reaction, template components…).' }),
    template: Type.Union([
      Type.Object({ key: Type.String(), language: Type.String(), variables: Type.Record(Type.String(), Type.String()) }, { additionalProperties: true }),
      Type.Null(),
    ]),
    reply_to: Type.Union([Type.Object({ message_id: Type.Union([Type.String(), Type.Null()]), provider_message_id: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    reactions: Type.Array(Json),
    delivery_status: Type.String({ description: 'queued, sent, delivered, read or failed (inbound messages: received).' }),
    error: Type.Union(
      [
        Type.Object(
          {
            code: Type.String({ description: 'Stable snake_case code, e.g. window_closed, undeliverable, invalid_token.' }),
            title: Type.Union([Type.String(), Type.Null()], { description: "The provider's title for the error." }),
            details: Type.Union([Type.String(), Type.Null()], { description: 'What happened and what to do.' }),
            provider_code: Type.Union([Type.Number(), Type.Null()], { description: "Meta's error code, e.g. 131047." }),
          },
          { additionalProperties: true },
        ),
        Type.Null(),
      ],
      { description: 'Why the message failed (delivery_status failed).' },
    ),
    provider_message_id: Type.Union([Type.String(), Type.Null()], { description: "WhatsApp's wamid, once the provider took the message." }),
    author: Type.Object({
      type: Type.String({ description: 'customer, member, api_key, agent or broadcast.' }),
      id: Type.Union([Type.String(), Type.Null()]),
    }),
    created_at: Timestamp,
    sent_at: NullableTimestamp,
    delivered_at: NullableTimestamp,
    read_at: NullableTimestamp,
    failed_at: NullableTimestamp,
  },
  { $id: 'Message' },
)

export function toMessageView(m: MessageRow) {
  const t = m.template
  return {
    id: m.id,
    conversation_id: m.conversationId,
    direction: m.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const),
    message_type: m.messageType,
    text: m.text,
    payload: m.payload,
    template: t ? { ...t, key: String(t.key ?? ''), language: String(t.language ?? ''), variables: (t.variables ?? {}) as Record<string, string> } : null,
    reply_to: m.replyToMessageId || m.replyToWamid ? { message_id: m.replyToMessageId, provider_message_id: m.replyToWamid } : null,
    reactions: m.reactions,
    delivery_status: m.deliveryStatus,
    error: m.error ? errorView(m.error) : null,
    provider_message_id: m.providerMessageId,
    author: { type: m.authorType, id: m.authorId },
    created_at: iso(m.createdAt),
    sent_at: isoOrNull(m.sentAt),
    delivered_at: isoOrNull(m.deliveredAt),
    read_at: isoOrNull(m.readAt),
    failed_at: isoOrNull(m.failedAt),
  }
}

function errorView(e: Record<string, unknown>) {
  const s = (v: unknown): string | null => (typeof v === 'string' ? v : null)
  return {
    ...e,
    code: s(e.code) ?? String(e.code ?? 'provider_error'),
    title: s(e.provider_title) ?? s(e.title),
    details: s(e.message) ?? s(e.details),
    provider_code: typeof e.provider_code === 'number' ? e.provider_code : null,
  }
}
