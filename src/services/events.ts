import { newId } from '../domain/ids.js'
import type { Repositories } from '../store/index.js'
import type { AnnouncedCache } from './announced-cache.js'

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

export interface EventInput {
  businessId: string
  type: EventType
  data: Record<string, unknown>
  at: Date
}

type Subscriber = { id: string; businessId: string; events: string[] }

/** Whether an endpoint of the business receives events of this type ('*' subscribes to all). */
export function listensFor(subs: Subscriber[], businessId: string, type: string): boolean {
  return subs.some((s) => receives(s, businessId, type))
}

const receives = (s: Subscriber, businessId: string, type: string) => s.businessId === businessId && (s.events.includes(type) || s.events.includes('*'))

// Whether a business has any enabled endpoint, cached briefly: the hot ingest path asks on every POST.
// A change to an endpoint clears the cache in every process (see announced-cache.ts); the short
// expiry is only a backstop.
const SUBSCRIBER_CACHE_MS = 1_000
const subscriberCache = new Map<string, { at: number; subs: Subscriber[] }>()
export const subscriberCacheChanges: AnnouncedCache = { channel: 'sb_webhook_endpoints', staleFor: 'a second', clear: () => subscriberCache.clear() }

export async function subscribersOf(repos: Pick<Repositories, 'webhooks'>, businessIds: string[]): Promise<Subscriber[]> {
  const now = Date.now()
  const missing = businessIds.filter((b) => (subscriberCache.get(b)?.at ?? 0) < now - SUBSCRIBER_CACHE_MS)
  if (missing.length) {
    const found = await repos.webhooks.subscribers(missing)
    if (subscriberCache.size > 10_000) subscriberCache.clear()
    for (const b of missing) subscriberCache.set(b, { at: now, subs: found.filter((s) => s.businessId === b) })
  }
  return businessIds.flatMap((b) => subscriberCache.get(b)?.subs ?? [])
}

/**
 * Records many events in the caller's transaction, each with one delivery per subscribed endpoint.
 * Events nobody will receive are not stored, so with no subscriber this costs nothing.
 */
export async function emitEvents(repos: Pick<Repositories, 'webhooks'>, list: EventInput[], known?: Subscriber[]): Promise<number> {
  if (list.length === 0) return 0
  const subs = known ?? (await subscribersOf(repos, [...new Set(list.map((e) => e.businessId))]))
  if (subs.length === 0) return 0
  const evs: Array<EventInput & { id: string }> = []
  const deliveries: Array<{ id: string; endpointId: string; eventId: string; at: Date }> = []
  for (const e of list) {
    const targets = subs.filter((s) => receives(s, e.businessId, e.type))
    if (targets.length === 0) continue
    const id = newId()
    evs.push({ ...e, id })
    for (const t of targets) deliveries.push({ id: newId(), endpointId: t.id, eventId: id, at: e.at })
  }
  await repos.webhooks.insertMany(evs, deliveries)
  return evs.length
}

export async function emitEvent(
  repos: Pick<Repositories, 'webhooks'>,
  e: { businessId: string; type: EventType; data: Record<string, unknown>; at: Date },
): Promise<string> {
  const id = newId()
  await repos.webhooks.insertEvent({ id, businessId: e.businessId, type: e.type, data: e.data, at: e.at })
  await repos.webhooks.fanOut({ id, businessId: e.businessId, type: e.type, at: e.at }, () => newId())
  return id
}
