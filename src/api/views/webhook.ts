import { Type } from 'typebox'
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../store/webhooks.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

export const WebhookEndpointView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    events: Type.Array(Type.String()),
    description: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
    disabled_reason: Type.Union([Type.String(), Type.Null()]),
    previous_secret_expires_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
)

export function toWebhookEndpointView(e: WebhookEndpointRow) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    status: e.status as 'enabled' | 'disabled',
    disabled_reason: e.disabledReason,
    previous_secret_expires_at: isoOrNull(e.previousSecretExpiresAt),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  }
}

const AttemptView = Type.Object({
  attempted_at: Timestamp,
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
})

export const WebhookDeliveryView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
    next_attempt_at: NullableTimestamp,
    created_at: Timestamp,
    attempt_log: Type.Array(AttemptView),
  },
  { $id: 'WebhookDelivery' },
)

export function toWebhookDeliveryView(d: WebhookDeliveryRow & { eventType?: string; attemptLog?: WebhookAttemptRow[] }) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType ?? '',
    status: d.status as 'pending' | 'succeeded' | 'failed',
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    last_latency_ms: d.lastLatencyMs,
    next_attempt_at: d.status === 'pending' ? isoOrNull(d.nextAttemptAt) : null,
    created_at: iso(d.createdAt),
    attempt_log: (d.attemptLog ?? []).map((a) => ({
      attempted_at: iso(a.attemptedAt),
      status_code: a.statusCode,
      error: a.error,
      latency_ms: a.latencyMs,
    })),
  }
}
