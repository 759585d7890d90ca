// The one home of delivery-status ordering. The store applies `advanceStatus` as a compare-and-set,
// so webhooks that arrive late, twice or out of order never move a message backwards.

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed'
/** Meta's status names: `played` (voice messages) counts as read. */
export type ProviderStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed'

const RANK: Record<Exclude<DeliveryStatus, 'failed'>, number> = { queued: 0, sent: 1, delivered: 2, read: 3 }

export function fromProviderStatus(s: ProviderStatus): DeliveryStatus {
  return s === 'played' ? 'read' : s
}

/** The status to store once `incoming` arrives, or null to ignore it (late, repeated, or after `failed`). */
export function advanceStatus(current: DeliveryStatus, incoming: DeliveryStatus): DeliveryStatus | null {
  if (current === 'failed' || current === incoming) return null
  // A failure reported after delivery is about something else (Meta does not un-deliver); keep delivered/read.
  if (incoming === 'failed') return RANK[current] < RANK.delivered ? 'failed' : null
  return RANK[incoming] > RANK[current] ? incoming : null
}

/** Statuses a message in `incoming` may be stored over: the SQL side of the compare-and-set. */
export function statusesBelow(incoming: DeliveryStatus): DeliveryStatus[] {
  const all: DeliveryStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed']
  return all.filter((c) => advanceStatus(c, incoming) === incoming)
}
