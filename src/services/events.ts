import { newId } from '../domain/ids.js'
import type { Repositories } from '../store/index.js'

// Events for outbound webhooks. `emitEvent` takes the repositories of the caller's transaction, so the
// event (and its deliveries) commit together with the change that caused it, or not at all.

export const EVENT_TYPES = [
  'message.received',
  'message.status',
  'conversation.created',
  'conversation.updated',
  'contact.created',
  'contact.updated',
  'template.status',
  'broadcast.completed',
] as const
export type EventType = (typeof EVENT_TYPES)[number] | 'ping'

/** Channel on which the webhook deliverer is woken after a commit that emitted events. */
export const WEBHOOK_CHANNEL = 'sb_webhooks'

export async function emitEvent(
  repos: Pick<Repositories, 'webhooks'>,
  e: { businessId: string; type: EventType; data: Record<string, unknown>; at: Date },
): Promise<string> {
  const id = newId()
  await repos.webhooks.insertEvent({ id, businessId: e.businessId, type: e.type, data: e.data, at: e.at })
  await repos.webhooks.fanOut({ id, businessId: e.businessId, type: e.type, at: e.at }, () => newId())
  return id
}
