import { randomBytes } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { isLocalHostname, isPrivateAddress } from '../domain/network.js'
import { decodePageToken, encodePageToken, isTimeCursor } from '../domain/page-token.js'
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../store/webhooks.js'
import type { Deps } from './deps.js'
import { announceChange } from './announced-cache.js'
import { EVENT_TYPES, subscriberCacheChanges, WEBHOOK_CHANNEL } from './events.js'

const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000

export interface EndpointInput {
  url: string
  events: string[]
  description?: string | null
}

function newSecret(): string {
  return 'whsec_' + randomBytes(24).toString('base64url')
}

function checkEvents(events: string[]): string[] {
  const allowed = new Set<string>([...EVENT_TYPES, '*'])
  const bad = events.filter((e) => !allowed.has(e))
  if (events.length === 0 || bad.length > 0) {
    throw ValidationError.fields(
      `Subscribe to at least one event: ${EVENT_TYPES.join(', ')}, or "*" for all.`,
      (bad.length ? bad : ['']).map((e, i) => ({ field: `events[${events.indexOf(e) >= 0 ? events.indexOf(e) : i}]`, problem: e ? `"${e}" is not an event type` : 'must list at least one event' })),
    )
  }
  return [...new Set(events)]
}

/** Refuses URLs that point inside the network unless the operator allowed it (SSRF). */
export async function assertPublicUrl(deps: Deps, raw: string, field = 'url'): Promise<URL> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw ValidationError.fields('Give the webhook an absolute http(s) URL, such as https://example.com/hooks/switchboard.', [
      { field, problem: 'is not a valid URL' },
    ])
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ValidationError.fields('Webhook URLs must use http or https.', [{ field, problem: `uses ${url.protocol.replace(':', '')}, not http(s)` }])
  }
  if (url.username || url.password) {
    throw ValidationError.fields('Put no credentials in the webhook URL; verify the Switchboard-Signature header instead.', [
      { field, problem: 'must not contain a user name or password' },
    ])
  }
  if (deps.config.allowPrivateWebhooks) return url
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[] = [host]
  if (isLocalHostname(host)) addresses = ['127.0.0.1']
  else if (!/^[\d.]+$/.test(host) && !host.includes(':')) {
    addresses = await lookup(host, { all: true })
      .then((r) => r.map((a) => a.address))
      .catch(() => [])
  }
  if (addresses.some(isPrivateAddress)) {
    throw ValidationError.fields(
      'Webhook URLs may not point at loopback or private networks; use a public address (or set SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=1 on a trusted network).',
      [{ field, problem: 'resolves to a private or loopback address' }],
      'webhook_url_not_allowed',
    )
  }
  return url
}

export async function createEndpoint(deps: Deps, businessId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  await assertPublicUrl(deps, input.url)
  const events = checkEvents(input.events)
  const secret = newSecret()
  const now = deps.clock()
  const endpoint = await deps.store.webhooks.insertEndpoint({
    id: newId(),
    businessId,
    url: input.url,
    events,
    description: input.description ?? null,
    secretEnc: deps.secrets.seal(secret),
    status: 'enabled',
    createdAt: now,
    updatedAt: now,
  })
  await announceChange(deps, subscriberCacheChanges)
  return { endpoint, secret }
}

export async function getEndpoint(deps: Deps, businessId: string, id: string): Promise<WebhookEndpointRow> {
  const e = isUuid(id) ? await deps.store.webhooks.getEndpoint(businessId, id) : null
  if (!e) throw new NotFoundError('not_found', `No webhook endpoint has the id ${id}.`, { id })
  return e
}

export function listEndpoints(deps: Deps, businessId: string): Promise<WebhookEndpointRow[]> {
  return deps.store.webhooks.listEndpoints(businessId)
}

export async function updateEndpoint(
  deps: Deps,
  businessId: string,
  id: string,
  patch: { url?: string; events?: string[]; description?: string | null; enabled?: boolean; rotateSecret?: boolean },
): Promise<{ endpoint: WebhookEndpointRow; secret: string | null }> {
  const current = await getEndpoint(deps, businessId, id)
  if (patch.url !== undefined) await assertPublicUrl(deps, patch.url)
  const now = deps.clock()
  const set: Record<string, unknown> = { updatedAt: now }
  if (patch.url !== undefined) set.url = patch.url
  if (patch.events !== undefined) set.events = checkEvents(patch.events)
  if (patch.description !== undefined) set.description = patch.description
  if (patch.enabled === true) Object.assign(set, { status: 'enabled', disabledReason: null })
  if (patch.enabled === false) Object.assign(set, { status: 'disabled', disabledReason: 'Disabled by a user.' })
  let secret: string | null = null
  if (patch.rotateSecret) {
    // The old secret keeps verifying for a day, so receivers can switch without missing deliveries.
    secret = newSecret()
    Object.assign(set, {
      secretEnc: deps.secrets.seal(secret),
      previousSecretEnc: current.secretEnc,
      previousSecretExpiresAt: new Date(now.getTime() + ROTATION_GRACE_MS),
    })
  }
  const endpoint = await deps.store.webhooks.updateEndpoint(businessId, id, set)
  await announceChange(deps, subscriberCacheChanges)
  if (!endpoint) throw new NotFoundError('not_found', `No webhook endpoint has the id ${id}.`, { id })
  return { endpoint, secret }
}

export async function deleteEndpoint(deps: Deps, businessId: string, id: string): Promise<void> {
  if (!isUuid(id) || !(await deps.store.webhooks.deleteEndpoint(businessId, id))) {
    throw new NotFoundError('not_found', `No webhook endpoint has the id ${id}.`, { id })
  }
  await announceChange(deps, subscriberCacheChanges)
}

export interface DeliveryPage {
  items: Array<WebhookDeliveryRow & { eventType: string; attemptLog: WebhookAttemptRow[] }>
  nextPageToken?: string
}

export async function listDeliveries(deps: Deps, businessId: string, endpointId: string, pageSize: number, pageToken?: string): Promise<DeliveryPage> {
  await getEndpoint(deps, businessId, endpointId)
  const cursor = decodePageToken(pageToken, isTimeCursor)
  const rows = await deps.store.webhooks.listDeliveries(endpointId, pageSize + 1, cursor ? { t: new Date(cursor.t), id: cursor.id } : undefined)
  const page = rows.slice(0, pageSize)
  const attempts = await deps.store.webhooks.attemptsFor(page.map((d) => d.id))
  const byDelivery = new Map<string, WebhookAttemptRow[]>()
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a])
  const last = page[page.length - 1]
  return {
    items: page.map((d) => ({ ...d, attemptLog: byDelivery.get(d.id) ?? [] })),
    nextPageToken: rows.length > pageSize && last ? encodePageToken({ t: last.createdAt.toISOString(), id: last.id }) : undefined,
  }
}

export async function redeliver(deps: Deps, businessId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow> {
  const endpoint = await getEndpoint(deps, businessId, endpointId)
  const d = isUuid(deliveryId) ? await deps.store.webhooks.getDelivery(endpointId, deliveryId) : null
  if (!d) throw new NotFoundError('not_found', `No delivery has the id ${deliveryId} on this endpoint.`, { delivery_id: deliveryId })
  if (endpoint.status !== 'enabled') {
    throw new ConflictError('webhook_disabled', 'This endpoint is disabled; enable it (PATCH with "enabled": true) before redelivering.', {
      disabled_reason: endpoint.disabledReason,
    })
  }
  await deps.store.webhooks.requeue(d.id, deps.clock())
  await deps.store.database.notify(WEBHOOK_CHANNEL, endpointId).catch(() => {})
  return (await deps.store.webhooks.getDelivery(endpointId, deliveryId)) as WebhookDeliveryRow
}

/** Sends a `ping` event to one endpoint (whatever it subscribes to), through the normal delivery path. */
export async function sendTestPing(deps: Deps, businessId: string, endpointId: string): Promise<WebhookDeliveryRow> {
  const endpoint = await getEndpoint(deps, businessId, endpointId)
  const now = deps.clock()
  const eventId = newId()
  const deliveryId = newId()
  await deps.store.tx(async (s) => {
    // A ping goes to this endpoint only: record the event without fan-out, then one delivery.
    await s.webhooks.insertEvent({ id: eventId, businessId, type: 'ping', data: { endpoint_id: endpoint.id, message: 'Hello from Switchboard' }, at: now })
    await s.webhooks.insertDelivery({ id: deliveryId, endpointId: endpoint.id, eventId, status: 'pending', nextAttemptAt: now, createdAt: now, updatedAt: now })
  })
  await deps.store.database.notify(WEBHOOK_CHANNEL, endpointId).catch(() => {})
  return (await deps.store.webhooks.getDelivery(endpoint.id, deliveryId)) as WebhookDeliveryRow
}
