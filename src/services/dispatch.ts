import { AppError, ProviderError, ValidationError } from '../domain/errors.js'
import type { MediaRef, NumberCredentials, OutboundPayload, TemplateComponent } from '../providers/index.js'
import type { MessageRow } from '../store/messages.js'
import type { ClaimedSend, ClaimOptions, ClaimResult } from '../store/outbox.js'
import type { NumberRow } from '../store/numbers.js'
import type { Deps } from './deps.js'
import { applyPendingStatuses } from './inbound.js'
import { emitEvents } from './events.js'
import { notifyLive } from './live.js'
import { credentialsFor, markDisconnected } from './numbers.js'

// Handing queued messages to the provider: one claimed outbox row → one provider call → one outcome.
// The loop that claims, paces and batches lives in src/jobs/dispatcher.ts; the decisions live here.

export type { ClaimedSend, ClaimResult } from '../store/outbox.js'

/** After this many attempts a retryable failure becomes permanent (about an hour of backoff). */
export const MAX_ATTEMPTS = 20
const BASE_DELAY_MS = 1_000
const MAX_DELAY_MS = 5 * 60_000

export type SendOutcome =
  | { kind: 'accepted'; messageId: string; wamid: string }
  | { kind: 'failed'; messageId: string; error: Record<string, unknown> }
  | { kind: 'retry'; messageId: string; delayMs: number; error: Record<string, unknown>; throughputFull?: boolean }

/**
 * Exponential backoff with jitter (attempt 1 → 0.5–1 s, 2 → 1–2 s, … capped at 5 minutes), never sooner
 * than the provider asked (Retry-After, or the adapter's hint for 130429/131056). A hint gets up to 25%
 * jitter of its own, so messages refused together do not all come back in the same millisecond.
 */
export function retryDelayMs(attempt: number, hintMs: number | null, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1))
  const r = random()
  const jittered = Math.round(ceiling * (0.5 + r / 2))
  return hintMs ? Math.max(Math.round(hintMs * (1 + r / 4)), jittered) : jittered
}

/**
 * A send refused only because the number's throughput meter was full (130429) is tried again by the
 * dispatcher that holds it, after this short backoff with jitter (attempt 0 → 40–80 ms, 1 → 80–160 ms,
 * …), before it goes back to the queue with retryDelayMs. The meter frees room within a second, usually
 * within milliseconds; a trip through the queue would cost a second and a new pacing slot.
 */
export const QUICK_THROUGHPUT_RETRIES = 3
export function quickRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(40 * 2 ** attempt * (1 + random()))
}

export function claimSends(deps: Deps, o: ClaimOptions): Promise<ClaimResult> {
  return deps.store.outbox.claim(o)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function mediaRef(p: Record<string, unknown>): MediaRef {
  const id = str(p.provider_media_id)
  return id ? { mediaId: id } : { link: str(p.link) ?? '' }
}

function templateComponents(stored: unknown): TemplateComponent[] {
  if (!Array.isArray(stored)) return []
  return stored.map((c: Record<string, unknown>) => {
    const params = Array.isArray(c.parameters) ? (c.parameters as Array<Record<string, unknown>>) : []
    const type = c.type === 'header' ? 'header' : 'body'
    return {
      type,
      parameters: params.map((p) => ({ type: 'text' as const, text: String(p.text ?? ''), ...(str(p.parameter_name) ? { parameterName: str(p.parameter_name) } : {}) })),
    } as TemplateComponent
  })
}

/** The stored message → what the provider port sends. Quotes and reactions use wamids known by now. */
export function providerPayload(m: MessageRow, to: string, wamids: { replyTo: string | null; reactionTarget: string | null }): OutboundPayload {
  const p = m.payload
  const base = { to, ...(wamids.replyTo ? { replyToWamid: wamids.replyTo } : {}) }
  switch (m.messageType) {
    case 'text':
      return { ...base, kind: 'text', text: m.text ?? '' }
    case 'image':
    case 'video':
      return { ...base, kind: m.messageType, media: mediaRef(p), ...(str(p.caption) ? { caption: str(p.caption) } : {}) }
    case 'document':
      return { ...base, kind: 'document', media: mediaRef(p), ...(str(p.caption) ? { caption: str(p.caption) } : {}), ...(str(p.filename) ? { filename: str(p.filename) } : {}) }
    case 'audio':
      return { ...base, kind: 'audio', media: mediaRef(p) }
    case 'reaction':
      return { to, kind: 'reaction', messageWamid: wamids.reactionTarget ?? '', emoji: typeof p.emoji === 'string' ? p.emoji : '' }
    case 'template': {
      const t = m.template ?? {}
      return { ...base, kind: 'template', name: String(t.key ?? ''), language: String(t.language ?? ''), components: templateComponents(p.components) }
    }
    case 'interactive': {
      const header = str(p.header)
      const footer = str(p.footer)
      if (p.type === 'list') {
        const sections = Array.isArray(p.sections) ? (p.sections as Array<Record<string, unknown>>) : []
        return {
          ...base, kind: 'list', body: String(p.body ?? ''), buttonText: String(p.button_text ?? ''),
          ...(header ? { header: { type: 'text', text: header } } : {}), ...(footer ? { footer } : {}),
          sections: sections.map((s) => ({
            ...(str(s.title) ? { title: str(s.title) } : {}),
            rows: (Array.isArray(s.rows) ? (s.rows as Array<Record<string, unknown>>) : []).map((r) => ({
              id: String(r.id ?? ''), title: String(r.title ?? ''), ...(str(r.description) ? { description: str(r.description) } : {}),
            })),
          })),
        }
      }
      const buttons = Array.isArray(p.buttons) ? (p.buttons as Array<Record<string, unknown>>) : []
      return {
        ...base, kind: 'buttons', body: String(p.body ?? ''),
        ...(header ? { header: { type: 'text', text: header } } : {}), ...(footer ? { footer } : {}),
        buttons: buttons.map((b) => ({ id: String(b.id ?? ''), title: String(b.title ?? '') })),
      }
    }
    default:
      throw new ValidationError('unsupported_message_type', `Messages of type ${m.messageType} cannot be sent.`)
  }
}

function errorOf(err: unknown): Record<string, unknown> {
  // The same shape the inbound area stores for a `failed` status webhook: our stable code, a sentence,
  // then the provider's own code and text.
  if (err instanceof ProviderError) return { code: err.code, message: err.message, ...err.details, retryable: err.retryable }
  if (err instanceof AppError) return { code: err.code, message: err.message, provider_code: null, retryable: false }
  return { code: 'internal_error', message: err instanceof Error ? err.message : String(err), provider_code: null, retryable: true }
}

/**
 * One provider call for one claimed message. Never throws: every result is an outcome the loop
 * records. A 190 (token refused) also marks the number disconnected, so the rest of its queue waits
 * for a new token instead of failing one by one.
 */
export async function sendClaimed(deps: Deps, number: NumberRow, creds: NumberCredentials, s: ClaimedSend): Promise<SendOutcome> {
  const m = s.message
  try {
    if (!s.toPhone) throw new ValidationError('no_phone', 'The customer has no phone number on record, so WhatsApp cannot be addressed; they must write first.')
    const replyTo = m.replyToWamid ?? (m.replyToMessageId ? await deps.store.messages.wamidOf(m.replyToMessageId) : null)
    const target = m.messageType === 'reaction'
      ? (str(m.payload.message_wamid) ?? (str(m.payload.message_id) ? await deps.store.messages.wamidOf(String(m.payload.message_id)) : null))
      : null
    if (m.messageType === 'reaction' && !target) {
      throw new ValidationError('reaction_target_not_sent', 'The message reacted to was never handed to WhatsApp, so there is nothing to react to.')
    }
    const { wamid } = await deps.providers.for(number).send(creds, providerPayload(m, s.toPhone, { replyTo, reactionTarget: target }))
    return { kind: 'accepted', messageId: m.id, wamid }
  } catch (err) {
    if (err instanceof ProviderError && err.retryable && s.attempts < MAX_ATTEMPTS) {
      return { kind: 'retry', messageId: m.id, delayMs: retryDelayMs(s.attempts, err.retryAfterMs), error: errorOf(err), throughputFull: err.throughputFull }
    }
    if (err instanceof ProviderError && err.providerCode === 190) await markDisconnected(deps, number.id, err.message).catch(() => {})
    if (err instanceof AppError) return { kind: 'failed', messageId: m.id, error: errorOf(err) }
    // Our own bug or an unexpected throw: retry with backoff rather than lose the message; log it.
    deps.log.error({ err, messageId: m.id }, 'dispatch: unexpected error')
    if (s.attempts >= MAX_ATTEMPTS) return { kind: 'failed', messageId: m.id, error: errorOf(err) }
    return { kind: 'retry', messageId: m.id, delayMs: retryDelayMs(s.attempts, null), error: errorOf(err) }
  }
}

/**
 * Records a batch of outcomes: wamids kept (status untouched, the webhook brings `sent`), permanent
 * failures marked `failed` with the provider's code and text, retries put back with their delay.
 */
export async function recordOutcomes(deps: Deps, numberId: string, outcomes: SendOutcome[]): Promise<void> {
  const accepted = outcomes.filter((o): o is Extract<SendOutcome, { kind: 'accepted' }> => o.kind === 'accepted')
  const failed = outcomes.filter((o): o is Extract<SendOutcome, { kind: 'failed' }> => o.kind === 'failed')
  const at = deps.clock()
  await deps.store.outbox.recordAccepted(accepted.map((a) => ({ messageId: a.messageId, wamid: a.wamid })))
  if (failed.length) {
    // The failure and its message.status event commit together.
    const errors = new Map(failed.map((f) => [f.messageId, f.error]))
    const marked = await deps.store.tx(async (s) => {
      const rows = await s.outbox.recordFailed(failed.map((f) => ({ messageId: f.messageId, error: f.error, at })))
      await emitEvents(
        s,
        rows.map((r) => ({
          businessId: r.business_id,
          type: 'message.status' as const,
          data: { message_id: r.id, conversation_id: r.conversation_id, status: 'failed', provider_message_id: null, error: errors.get(r.id) ?? null },
          at,
        })),
      )
      return rows
    })
    for (const r of marked) void notifyLive(deps, { businessId: r.business_id, conversationId: r.conversation_id, kind: 'message.status' })
  }
  for (const r of outcomes) if (r.kind === 'retry') await deps.store.outbox.retryLater(r.messageId, r.delayMs, r.error)
  // A status webhook may have come before we knew the wamid; it waits in message_statuses until now.
  if (accepted.length) await applyPendingStatuses(deps.store, numberId, accepted.map((a) => a.wamid))
}

export function credentialsForDispatch(deps: Deps, number: NumberRow): NumberCredentials {
  return credentialsFor(deps, number)
}
