import type { Deps } from './deps.js'

// Live inbox updates. Every change an inbox should see is announced on the Postgres channel
// `sb_events` with a small JSON payload ({ business_id, conversation_id, kind }). Each process keeps one
// LISTEN per database and fans the payloads out to its open /v1/live streams, filtered by business, so
// an event committed by any process (a webhook, a send, a status) reaches every inbox on any process.

export const LIVE_CHANNEL = 'sb_events'

export interface LiveEvent {
  business_id: string
  conversation_id?: string | null
  /** message.received, message.status, message.created, conversation.updated, … */
  kind: string
  [key: string]: unknown
}

export type LiveListener = (event: LiveEvent) => void

interface Hub {
  listeners: Map<string, Set<LiveListener>>
  /** Resolves once LISTEN is active; null after stop. */
  started: Promise<() => Promise<void>> | null
}

// One hub per Deps (a process normally has one; tests run several apps side by side).
const hubs = new WeakMap<Deps, Hub>()

function parse(payload: string): LiveEvent | null {
  try {
    const v = JSON.parse(payload) as unknown
    if (typeof v !== 'object' || v === null) return null
    const e = v as LiveEvent
    return typeof e.business_id === 'string' && typeof e.kind === 'string' ? e : null
  } catch {
    return null
  }
}

function hubFor(deps: Deps): Hub {
  let hub = hubs.get(deps)
  if (!hub) {
    hub = { listeners: new Map(), started: null }
    hubs.set(deps, hub)
  }
  return hub
}

/**
 * Calls `listener` with every live event of `businessId` until the returned function is called.
 * The LISTEN starts with the first subscriber and stays for the life of the process (one connection).
 */
export async function subscribeLive(deps: Deps, businessId: string, listener: LiveListener): Promise<() => void> {
  const hub = hubFor(deps)
  let set = hub.listeners.get(businessId)
  if (!set) hub.listeners.set(businessId, (set = new Set()))
  set.add(listener)
  hub.started ??= deps.store.database.listen(LIVE_CHANNEL, (payload) => {
    const e = parse(payload)
    if (!e) return
    for (const l of hub.listeners.get(e.business_id) ?? []) {
      try {
        l(e)
      } catch (err) {
        deps.log.warn({ err }, 'live listener failed')
      }
    }
  })
  try {
    await hub.started
  } catch (err) {
    hub.started = null
    set.delete(listener)
    throw err
  }
  return () => {
    set.delete(listener)
    if (set.size === 0) hub.listeners.delete(businessId)
  }
}

/** Stops listening (app shutdown). */
export async function stopLive(deps: Deps): Promise<void> {
  const hub = hubs.get(deps)
  if (!hub?.started) return
  const started = hub.started
  hub.started = null
  hub.listeners.clear()
  await (await started.catch(() => async () => {}))().catch(() => {})
}

/**
 * Announces a change to every inbox of the business. Call it after the change commits (a NOTIFY inside
 * a transaction is only delivered at commit, so calling it inside works too). Best effort: a lost
 * notification only delays an inbox until its next refresh, so failures are logged, never thrown.
 */
export async function notifyLive(
  deps: Pick<Deps, 'store' | 'log'>,
  e: { businessId: string; conversationId?: string | null; kind: string },
): Promise<void> {
  const payload = JSON.stringify({ business_id: e.businessId, conversation_id: e.conversationId ?? null, kind: e.kind })
  // Gathered for a few milliseconds into one statement: every NOTIFY takes Postgres's global
  // notification lock, and one per send would serialise busy senders behind it.
  let q = pendingLive.get(deps.store)
  if (!q) pendingLive.set(deps.store, (q = { payloads: new Set(), timer: null }))
  const queue = q
  queue.payloads.add(payload)
  if (queue.timer) return
  queue.timer = setTimeout(() => {
    queue.timer = null
    const batch = [...queue.payloads]
    queue.payloads.clear()
    deps.store.statuses.notify(batch).catch((err) => deps.log.warn({ err }, 'live notify failed'))
  }, LIVE_COALESCE_MS)
  queue.timer.unref()
}

const LIVE_COALESCE_MS = 20
const pendingLive = new WeakMap<object, { payloads: Set<string>; timer: NodeJS.Timeout | null }>()
