import { RuleRefusedError } from '../domain/errors.js'
import { windowState } from '../domain/window.js'
import type { Deps } from './deps.js'
import { phoneOrThrow } from './contacts.js'
import { getNumber, resolveSendingNumber } from './numbers.js'

// THE window decision: "free-form allowed, or a template is required". The API, the inbox and the
// agent tools all ask here; the 24-hour rule itself lives in src/domain/window.ts.

export interface WindowDecision {
  /** True while free-form messages (text, media, interactive, reactions) may be sent. */
  open: boolean
  /** 'free_form' inside the window; 'template' outside it (templates are always allowed). */
  allowed: 'free_form' | 'template'
  /** When the open window closes, or when the last one closed; null if the customer never wrote. */
  expiresAt: Date | null
  lastInboundAt: Date | null
}

export function decideWindow(lastInboundAt: Date | null | undefined, now: Date): WindowDecision {
  const s = windowState(lastInboundAt, now)
  return { open: s.open, allowed: s.open ? 'free_form' : 'template', expiresAt: s.expiresAt, lastInboundAt: lastInboundAt ?? null }
}

/** 422 `window_closed` unless free-form content may be sent now; the message says what to do instead. */
export function assertFreeFormAllowed(conv: { id: string; lastInboundAt: Date | null }, now: Date): void {
  const d = decideWindow(conv.lastInboundAt, now)
  if (d.open) return
  const when = d.expiresAt
    ? `The 24-hour customer service window closed at ${d.expiresAt.toISOString()} (24 hours after the customer's last message)`
    : 'The customer has not written to this number yet, so there is no open 24-hour customer service window'
  throw new RuleRefusedError(
    'window_closed',
    `${when}; a template is required: send an approved template with POST /v1/messaging/messages/template, or wait for the customer to write.`,
    { conversation_id: conv.id, window_closed_at: d.expiresAt?.toISOString() ?? null, last_inbound_at: d.lastInboundAt?.toISOString() ?? null },
  )
}

/** The window for a phone on a number (the default number when none is named). */
export async function windowForPhone(deps: Deps, businessId: string, q: { phone: string; numberId?: string }): Promise<WindowDecision> {
  const phone = phoneOrThrow(q.phone)
  const number = await resolveNumberForRead(deps, businessId, q.numberId)
  const contact = await deps.store.contacts.byPhone(businessId, phone)
  const conv = contact ? await deps.store.conversations.byNumberAndContact(number, contact.id) : null
  return decideWindow(conv?.lastInboundAt ?? null, deps.clock())
}

/** Reads may name a disconnected number (the window is still a fact); only sends refuse those. */
async function resolveNumberForRead(deps: Deps, businessId: string, numberId: string | undefined): Promise<string> {
  if (numberId) return (await getNumber(deps, businessId, numberId)).id
  return (await resolveSendingNumber(deps, businessId)).id
}
