import { timingSafeEqual } from 'node:crypto'
import { ForbiddenError, UnauthorizedError, ValidationError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { advanceStatus, fromProviderStatus, statusesBelow, type DeliveryStatus } from '../domain/status.js'
import {
  classifyStatusError,
  type InboundChange,
  type InboundMessageEvent,
  type InboundStatusEvent,
  type InboundTemplateStatusEvent,
  type ProviderIssue,
  type WhatsAppProvider,
} from '../providers/index.js'
import type { Repositories } from '../store/index.js'
import type { InboundMessageRow } from '../store/inbound.js'
import type { StatusEffect, StatusRow, UpdatedMessage } from '../store/statuses.js'
import { emitEvents, subscribersOf, type EventInput } from './events.js'
import { notifyLive } from './live.js'
import { contactCreatedEvents, optOutOnKeyword } from './contacts.js'
import type { Deps } from './deps.js'
import { groupCommit, perStore } from './group-commit.js'
import { verifyTokenOf, webhookNumber, webhookNumbersOfWaba, type WebhookNumber } from './numbers.js'

// Inbound webhooks from WhatsApp (Meta's Cloud API or the emulator): the handshake, the signature
// check, and the ingest of messages, statuses and template updates. Everything of one POST is stored
// in a few multi-row statements before the caller answers 200; nothing is stored when the signature
// does not match.

// ---------------------------------------------------------------------------------------------
// Handshake

/** Meta's GET verification: echoes the challenge when the token is one of our numbers' verify tokens. */
export async function verifyWebhookSubscription(
  deps: Deps,
  q: { mode: string | undefined; token: string | undefined; challenge: string | undefined },
): Promise<string> {
  if (q.mode !== 'subscribe' || !q.token || q.challenge === undefined) {
    throw new ForbiddenError(
      'webhook_verification_failed',
      'This is the WhatsApp webhook; Meta verifies it with hub.mode=subscribe, hub.verify_token and hub.challenge.',
    )
  }
  const given = Buffer.from(q.token)
  for (const n of await deps.store.numbers.all()) {
    const token = verifyTokenOf(deps, n)
    if (token && token.length === q.token.length && timingSafeEqual(Buffer.from(token), given)) return q.challenge
  }
  throw new ForbiddenError(
    'webhook_verification_failed',
    "The verify token matches no connected number; set the same verify_token on the number (PATCH /v1/numbers/:id) as in your Meta app's webhook settings.",
  )
}

// ---------------------------------------------------------------------------------------------
// POST

export interface WebhookReceipt {
  /** Messages, statuses and template updates found in the payload for known numbers. */
  messages: number
  statuses: number
  templates: number
  /** Messages stored for the first time (the rest were duplicates). */
  newMessages: number
  /** Changes for numbers we do not know (answered 200 so Meta stops retrying, and logged). */
  ignored: number
}

interface Routed {
  change: InboundChange
  numbers: WebhookNumber[]
}

/**
 * Verifies and stores one webhook POST. `rawBody` is the exact bytes received: the signature is an
 * HMAC of them with the app secret of the number(s) the payload is for, and nothing is stored unless
 * it matches for every one of them.
 */
export async function receiveWebhook(deps: Deps, rawBody: Buffer, signature: string | undefined): Promise<WebhookReceipt> {
  if (!signature) {
    throw new UnauthorizedError('invalid_signature', 'The X-Hub-Signature-256 header is missing; WhatsApp webhooks must be signed with the app secret.')
  }
  let json: unknown
  try {
    json = JSON.parse(rawBody.toString('utf8'))
  } catch {
    throw new ValidationError('invalid_json', 'The webhook body is not valid JSON.')
  }
  const provider = deps.providers.for({ provider: 'cloud' })
  const batch = provider.parseWebhook(json)

  // Route every change to its number(s) before anything is stored.
  const routed: Routed[] = []
  let ignored = 0
  for (const change of batch.changes) {
    let numbers: WebhookNumber[] = []
    if (change.field === 'message_template_status_update' || !change.phoneNumberId) {
      numbers = change.wabaId ? await webhookNumbersOfWaba(deps, change.wabaId) : []
    } else {
      const n = await webhookNumber(deps, change.phoneNumberId)
      numbers = n ? [n] : []
    }
    if (numbers.length === 0) {
      ignored++
      deps.log.warn(
        { phone_number_id: change.phoneNumberId, waba_id: change.wabaId, field: change.field },
        'webhook for a number that is not connected; ignored (connect it with POST /v1/numbers)',
      )
      continue
    }
    routed.push({ change, numbers })
  }
  const secrets = new Set(routed.flatMap((r) => r.numbers.map((n) => n.appSecret)))
  for (const secret of secrets) {
    if (!verify(provider, rawBody, signature, secret)) {
      throw new UnauthorizedError(
        'invalid_signature',
        "The X-Hub-Signature-256 signature does not match the body; check that the number's app_secret is your Meta app's secret.",
      )
    }
  }
  const receipt: WebhookReceipt = { messages: 0, statuses: 0, templates: 0, newMessages: 0, ignored }
  if (routed.length === 0) return receipt
  const mine = new Set<string>()
  for (const r of routed) {
    for (const ev of r.change.events) {
      if (ev.kind === 'message' && ev.wamid) mine.add(`${r.numbers[0].row.id}|${ev.wamid}`)
      else if (ev.kind === 'status') receipt.statuses++
      else if (ev.kind === 'template_status') receipt.templates++
    }
  }
  receipt.messages = mine.size
  const inserted = await ingestBatched(deps, routed)
  for (const k of mine) if (inserted.has(k)) receipt.newMessages++
  return receipt
}

// Group commit (see group-commit.ts): small webhooks that arrive while an ingest transaction runs go in
// the next one together. Large webhooks (Meta batches up to 1,000 messages) are already efficient alone
// and keep their own transaction, so several run at once; small ones are merged, up to about this many
// events per batch.
const MAX_BATCH_EVENTS = 500
const ALONE_FROM_EVENTS = 50
const eventsIn = (routed: Routed[]): number => routed.reduce((n, r) => n + r.change.events.length, 0)

const ingestQueue = perStore((deps) =>
  groupCommit<Routed[], Set<string>>({
    maxWeight: MAX_BATCH_EVENTS,
    weight: eventsIn,
    run: async (batch) => {
      const inserted = await ingest(deps, batch.flat())
      return batch.map(() => inserted)
    },
  }),
)

function ingestBatched(deps: Deps, routed: Routed[]): Promise<Set<string>> {
  if (eventsIn(routed) >= ALONE_FROM_EVENTS) return ingest(deps, routed)
  return ingestQueue(deps)(routed)
}

function verify(provider: WhatsAppProvider, raw: Buffer, header: string, secret: string): boolean {
  return provider.verifySignature(raw, header, secret)
}

// ---------------------------------------------------------------------------------------------
// Ingest

interface Prepared {
  messages: InboundMessageRow[]
  reactions: Array<{ row: InboundMessageRow; targetWamid: string; emoji: string | null; at: Date }>
  sameBatchReplies: string[]
  userIdLinks: Array<{ business_id: string; phone: string; wa_user_id: string }>
  optOutCandidates: Map<string, { text: string; businessId: string }>
  statuses: StatusRow[]
  effects: StatusEffect[]
  templates: InboundTemplateStatusEvent[]
  templateNumbers: Map<InboundTemplateStatusEvent, WebhookNumber[]>
}

/** Stores the changes; returns the messages stored for the first time, as "number id|wamid". */
async function ingest(deps: Deps, routed: Routed[]): Promise<Set<string>> {
  const now = deps.clock()
  const p = prepare(deps, routed, now)

  const parts = [p.messages.length > 0, p.statuses.length > 0, p.templates.length > 0].filter(Boolean).length
  // Outbound webhook events commit with the change that caused them: with subscribers, one transaction.
  const businessIds = [...new Set(routed.flatMap((r) => r.numbers.map((n) => n.row.businessId)))]
  const subscribers = await subscribersOf(deps.store, businessIds)
  const needsTx = parts > 1 || p.reactions.length > 0 || p.sameBatchReplies.length > 0 || p.userIdLinks.length > 0 || subscribers.length > 0
  let inserted: string[] = []
  let pending: Array<{ number_id: string; wamid: string }> = []

  const live: Array<{ businessId: string; conversationId: string; kind: string }> = []
  const outbound: EventInput[] = []
  const run = async (repos: Repositories): Promise<void> => {
    live.length = 0
    outbound.length = 0
    if (p.messages.length) {
      const res = await repos.inbound.ingestMessages(p.messages, now)
      inserted = res.inserted
      for (const c of res.conversations) live.push({ businessId: c.business_id, conversationId: c.id, kind: 'message.received' })
      if (subscribers.length) {
        const rows = new Map(p.messages.map((m) => [m.id, m]))
        // The contact first, then its conversation, then the message: the order a receiver needs them in.
        outbound.push(...(await contactCreatedEvents(repos, res.contactsCreated, now)))
        for (const c of res.conversations.filter((c) => c.created)) {
          outbound.push({ businessId: c.business_id, type: 'conversation.created', data: { conversation_id: c.id }, at: now })
        }
        for (const x of res.placed) {
          const m = rows.get(x.id)
          if (!m) continue
          outbound.push({ businessId: m.business_id, type: 'message.received', data: receivedData(m, x.conversation_id), at: now })
        }
      }
      const fresh = new Set(inserted)
      if (p.sameBatchReplies.length) await repos.inbound.linkReplies(p.sameBatchReplies.filter((id) => fresh.has(id)))
      // Reactions apply once (a retried webhook is a duplicate and changes nothing), oldest first.
      const reactions = p.reactions.filter((r) => fresh.has(r.row.id)).sort((a, b) => a.at.getTime() - b.at.getTime())
      if (reactions.length) {
        const authors = new Map((await repos.inbound.authors(reactions.map((r) => r.row.id))).map((a) => [a.id, a.contact_id]))
        for (const r of reactions) {
          const contactId = authors.get(r.row.id)
          if (contactId) {
            await repos.inbound.applyReaction({ numberId: r.row.number_id, targetWamid: r.targetWamid, contactId, emoji: r.emoji, wamid: r.row.wamid, at: r.at })
          }
        }
      }
      if (p.userIdLinks.length) await repos.inbound.linkUserIds(p.userIdLinks)
    }
    if (p.statuses.length) {
      const res = await repos.statuses.ingest(p.statuses, p.effects, now)
      pending = res.pending
      for (const c of res.changed) live.push({ businessId: c.business_id, conversationId: c.conversation_id, kind: 'message.status' })
      for (const u of res.updated) outbound.push({ businessId: u.business_id, type: 'message.status', data: statusData(u), at: now })
    }
    for (const t of p.templates) {
      const status = templateStatusOf(t.event)
      const changed = await repos.inbound.applyTemplateStatus({
        wabaId: t.wabaId,
        providerTemplateId: t.templateId,
        name: t.name,
        language: t.language,
        status,
        reason: t.reason,
        at: now,
      })
      if (changed === 0) deps.log.info({ waba_id: t.wabaId, template: t.name, event: t.event }, 'template status update for a template we do not have')
      else {
        for (const businessId of new Set((p.templateNumbers.get(t) ?? []).map((n) => n.row.businessId))) {
          outbound.push({
            businessId,
            type: 'template.status',
            data: { name: t.name, language: t.language, status, reason: t.reason ?? null, provider_template_id: t.templateId ?? null },
            at: now,
          })
        }
      }
    }
    if (outbound.length) await emitEvents(repos, outbound, subscribers)
  }

  await withRetry(deps, () => (needsTx ? deps.store.tx(run) : run(deps.store)))
  const fresh = new Set(inserted)
  const insertedKeys = new Set(p.messages.filter((m) => fresh.has(m.id)).map((m) => `${m.number_id}|${m.wamid}`))
  // After commit, never inside the ingest transaction: a NOTIFY there would serialise commits.
  for (const e of live) void notifyLive(deps, e)

  // A status stored just as the dispatcher records its wamid could miss it both ways; one more look
  // after our commit closes that gap (the dispatcher's own look runs after its commit).
  const byNumber = new Map<string, string[]>()
  for (const x of pending) byNumber.set(x.number_id, [...(byNumber.get(x.number_id) ?? []), x.wamid])
  for (const [numberId, wamids] of byNumber) await applyPendingStatuses(deps.store, numberId, wamids)

  await optOuts(deps, p, inserted)
  return insertedKeys
}

function receivedData(m: InboundMessageRow, conversationId: string): Record<string, unknown> {
  return {
    message_id: m.id,
    conversation_id: conversationId,
    number_id: m.number_id,
    from: m.phone,
    customer_name: m.name,
    type: m.type,
    text: m.text,
    provider_message_id: m.wamid,
    timestamp: m.ts,
  }
}

function statusData(u: UpdatedMessage): Record<string, unknown> {
  return { message_id: u.message_id, conversation_id: u.conversation_id, status: u.status, provider_message_id: u.wamid, error: u.error }
}

const event = (businessId: string, conversationId: string, kind: string): string =>
  JSON.stringify({ business_id: businessId, conversation_id: conversationId, kind })

/** Retries the ingest when it lost a race with a concurrent webhook (every statement is idempotent). */
async function withRetry(deps: Deps, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      const code = pgCodeOf(err)
      // 23503: a conversation created concurrently under another id; 23505: a concurrent insert;
      // 40001/40P01: serialization failure or deadlock between batches touching the same rows.
      if (attempt >= 4 || !code || !['23503', '23505', '40001', '40P01'].includes(code)) throw err
      deps.log.debug({ code, attempt }, 'webhook ingest raced a concurrent one; retrying')
    }
  }
}

function pgCodeOf(err: unknown): string | undefined {
  let e: unknown = err
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

function prepare(deps: Deps, routed: Routed[], now: Date): Prepared {
  const p: Prepared = {
    messages: [],
    reactions: [],
    sameBatchReplies: [],
    userIdLinks: [],
    optOutCandidates: new Map(),
    statuses: [],
    effects: [],
    templates: [],
    templateNumbers: new Map(),
  }
  const seenWamid = new Set<string>()
  const convIds = new Map<string, string>()
  const contactIds = new Map<string, string>()
  const seenStatus = new Set<string>()
  const statusGroups = new Map<string, { numberId: string; wamid: string; list: InboundStatusEvent[] }>()

  for (const { change, numbers } of routed) {
    for (const ev of change.events) {
      if (ev.kind === 'template_status') {
        p.templates.push(ev)
        p.templateNumbers.set(ev, numbers)
        continue
      }
      const number = numbers[0].row
      if (ev.kind === 'message') {
        const key = `${number.id}|${ev.wamid}`
        if (!ev.wamid || seenWamid.has(key)) continue
        seenWamid.add(key)
        const row = messageRow(ev, number.id, number.businessId, now, contactIds, convIds)
        if (!row) {
          deps.log.warn({ wamid: ev.wamid, phone_number_id: change.phoneNumberId }, 'inbound message with neither a phone nor a user id; skipped')
          continue
        }
        p.messages.push(row)
        if (ev.content.type === 'reaction' && ev.content.targetWamid) {
          p.reactions.push({ row, targetWamid: ev.content.targetWamid, emoji: ev.content.emoji, at: ev.timestamp ?? now })
        }
        if (ev.from && ev.userId) p.userIdLinks.push({ business_id: number.businessId, phone: ev.from, wa_user_id: ev.userId })
        const word = ev.content.type === 'text' ? keywordOf(ev.content.body) : null
        if (word) p.optOutCandidates.set(row.id, { text: word, businessId: number.businessId })
      } else if (ev.kind === 'status') {
        const key = `${number.id}|${ev.wamid}|${ev.status}`
        if (seenStatus.has(key)) continue
        seenStatus.add(key)
        p.statuses.push({
          number_id: number.id,
          wamid: ev.wamid,
          status: ev.status,
          occurred_at: (ev.timestamp ?? now).toISOString(),
          errors: ev.errors.length ? ev.errors : null,
          pricing: ev.pricing ? { ...ev.pricing } : null,
        })
        const gk = `${number.id}|${ev.wamid}`
        const g = statusGroups.get(gk) ?? { numberId: number.id, wamid: ev.wamid, list: [] }
        g.list.push(ev)
        statusGroups.set(gk, g)
      } else if (ev.kind === 'error') {
        deps.log.warn({ phone_number_id: change.phoneNumberId, errors: ev.errors }, 'WhatsApp reported errors in a webhook')
      } else {
        deps.log.info({ field: ev.field, phone_number_id: change.phoneNumberId }, 'webhook change we do not model; ignored')
      }
    }
  }
  // Same-batch replies: the quoted message is stored by the same statement, which cannot see it.
  const wamids = new Set(p.messages.map((m) => m.wamid))
  p.sameBatchReplies = p.messages.filter((m) => m.reply_to_wamid && wamids.has(m.reply_to_wamid)).map((m) => m.id)
  for (const g of statusGroups.values()) {
    const e = statusEffect(g.numberId, g.wamid, g.list.map((s) => ({ status: s.status, at: s.timestamp ?? now, errors: s.errors })))
    if (e) p.effects.push(e)
  }
  return p
}

/** Text for the conversation list when a message has none of its own. */
const LABELS: Record<string, string> = {
  image: '📷 Photo',
  video: '🎥 Video',
  audio: '🎤 Audio',
  document: '📄 Document',
  sticker: 'Sticker',
  location: '📍 Location',
  contacts: '👤 Contact',
  order: '🛒 Order',
  interactive: 'Reply',
  button: 'Reply',
  reaction: 'Reaction',
  system: 'System message',
  unsupported: 'Unsupported message',
}

function messageRow(
  ev: InboundMessageEvent,
  numberId: string,
  businessId: string,
  now: Date,
  contactIds: Map<string, string>,
  convIds: Map<string, string>,
): InboundMessageRow | null {
  const ckey = ev.from ?? (ev.userId ? `u:${ev.userId}` : null)
  if (!ckey) return null
  const contactKey = `${businessId}|${ckey}`
  let contactNewId = contactIds.get(contactKey)
  if (!contactNewId) contactIds.set(contactKey, (contactNewId = newId()))
  const convKey = `${numberId}|${ckey}`
  let convNewId = convIds.get(convKey)
  if (!convNewId) convIds.set(convKey, (convNewId = newId()))
  const c = ev.content
  const isMedia = c.type === 'image' || c.type === 'video' || c.type === 'audio' || c.type === 'document' || c.type === 'sticker'
  const mediaId = isMedia && c.mediaId ? newId() : null
  // Unknown types are kept whole in `raw`; the normalised view then only names the type.
  const content = c.type === 'unknown' ? { type: 'unknown', original_type: c.originalType } : c
  const payload: Record<string, unknown> = { content, raw: ev.raw }
  if (ev.context) payload.context = ev.context
  if (ev.referral) payload.referral = ev.referral
  if (mediaId) payload.media_id = mediaId
  const preview = c.type === 'reaction' ? (c.emoji ? `Reacted ${c.emoji}` : 'Removed a reaction') : (ev.text ?? LABELS[ev.type] ?? `[${ev.type}]`)
  return {
    id: newId(),
    business_id: businessId,
    number_id: numberId,
    ckey,
    phone: ev.from,
    wa_user_id: ev.from ? null : ev.userId,
    username: ev.username,
    name: ev.profileName?.trim() || null,
    contact_new_id: contactNewId,
    conv_new_id: convNewId,
    wamid: ev.wamid,
    type: ev.type,
    text: ev.text,
    preview: preview.slice(0, 200),
    payload,
    reply_to_wamid: ev.context?.wamid ?? null,
    ts: (ev.timestamp ?? now).toISOString(),
    media_id: mediaId,
    media_provider_id: isMedia ? c.mediaId : null,
    media_mime: isMedia ? c.mimeType : null,
    media_sha256: isMedia ? c.sha256 : null,
    media_filename: isMedia ? c.filename : null,
  }
}

// ---------------------------------------------------------------------------------------------
// Statuses

const ORDER: DeliveryStatus[] = ['sent', 'delivered', 'read', 'failed']

/**
 * Folds the statuses one batch carries for one message into a single compare-and-set, equal to
 * applying them one by one in rank order with advanceStatus: the status to store, the current statuses
 * it may replace, each step's time, and Meta's error for `failed`.
 */
export function statusEffect(
  numberId: string,
  wamid: string,
  list: Array<{ status: string; at: Date; errors: ProviderIssue[] | null }>,
): StatusEffect | null {
  const by = new Map<DeliveryStatus, { at: Date; errors: ProviderIssue[] | null }>()
  for (const s of list) {
    if (!['sent', 'delivered', 'read', 'played', 'failed'].includes(s.status)) continue
    const d = fromProviderStatus(s.status as 'sent' | 'delivered' | 'read' | 'played' | 'failed')
    const prev = by.get(d)
    if (!prev || s.at < prev.at) by.set(d, { at: s.at, errors: s.errors })
  }
  let final: DeliveryStatus = 'queued'
  for (const s of ORDER) if (by.has(s)) final = advanceStatus(final, s) ?? final
  if (final === 'queued') return null
  const failed = by.get('failed')
  let error: Record<string, unknown> | null = null
  if (final === 'failed') {
    const issue = failed?.errors?.[0] ?? { code: null, title: null, message: null, details: null }
    const classified = classifyStatusError(issue)
    error = {
      code: classified.code,
      message: classified.message,
      provider_code: issue.code,
      provider_title: issue.title,
      provider_message: issue.message,
      provider_details: issue.details,
      retryable: classified.retryable,
      errors: failed?.errors ?? [],
    }
  }
  return {
    number_id: numberId,
    wamid,
    final,
    below: statusesBelow(final).join(','),
    sent_at: by.get('sent')?.at.toISOString() ?? null,
    delivered_at: by.get('delivered')?.at.toISOString() ?? null,
    read_at: by.get('read')?.at.toISOString() ?? null,
    failed_at: failed?.at.toISOString() ?? null,
    error,
  }
}

/**
 * Applies statuses that arrived before their message had a wamid. The messaging dispatcher calls this
 * right after it records a wamid (or several), with the store or its transaction's repositories.
 */
export async function applyPendingStatuses(store: Pick<Repositories, 'statuses'>, numberId: string, wamid: string | string[]): Promise<number> {
  const wamids = Array.isArray(wamid) ? wamid : [wamid]
  const rows = await store.statuses.pending(numberId, wamids)
  if (rows.length === 0) return 0
  const groups = new Map<string, typeof rows>()
  for (const r of rows) groups.set(r.wamid, [...(groups.get(r.wamid) ?? []), r])
  const effects: StatusEffect[] = []
  for (const [w, list] of groups) {
    const e = statusEffect(numberId, w, list.map((r) => ({ status: r.status, at: r.occurred_at, errors: (r.errors as ProviderIssue[] | null) ?? null })))
    if (e) effects.push(e)
  }
  const { marked, changed } = await store.statuses.applyEffects(effects)
  await store.statuses.notify(changed.map((c) => event(c.business_id, c.conversation_id, 'message.status')))
  return marked
}

// ---------------------------------------------------------------------------------------------
// Templates and opt-out

const TEMPLATE_STATUSES = new Set(['APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'PENDING'])

/** Meta's template events → our status; events that are not a status (FLAGGED) keep the status. */
function templateStatusOf(event: string): string | null {
  const e = event.toUpperCase()
  if (e === 'REINSTATED') return 'APPROVED'
  if (e === 'PENDING_DELETION' || e === 'DELETED') return 'DISABLED'
  return TEMPLATE_STATUSES.has(e) ? e : null
}

/** The text as the contacts service compares it with opt-out words ("  stop! " → "STOP"), or null. */
function keywordOf(text: string): string | null {
  const word = text.trim().replace(/[.!¡?¿\s]+$/u, '').replace(/^[.!¡?¿\s]+/u, '').toUpperCase()
  return word && word.length <= 40 ? word : null
}

// A business may have its own opt-out words (settings.optOutKeywords). They are read at most every few
// seconds per business here, only to skip texts that cannot match; optOutOnKeyword decides.
const KEYWORD_CACHE_MS = 5_000
const keywordCaches = new WeakMap<object, Map<string, { at: number; words: Set<string> }>>()

async function keywordsOf(deps: Deps, businessId: string): Promise<Set<string>> {
  let cache = keywordCaches.get(deps.store)
  if (!cache) keywordCaches.set(deps.store, (cache = new Map()))
  const hit = cache.get(businessId)
  if (hit && Date.now() - hit.at < KEYWORD_CACHE_MS) return hit.words
  const own = (await deps.store.businesses.get(businessId))?.settings?.optOutKeywords
  const list = Array.isArray(own) && own.every((w) => typeof w === 'string') ? own.map((w: string) => w.trim().toUpperCase()) : deps.config.optOutKeywords
  const words = new Set(list)
  if (cache.size > 10_000) cache.clear()
  cache.set(businessId, { at: Date.now(), words })
  return words
}

async function optOuts(deps: Deps, p: Prepared, inserted: string[]): Promise<void> {
  const matching: string[] = []
  for (const id of inserted) {
    const c = p.optOutCandidates.get(id)
    if (c && (await keywordsOf(deps, c.businessId)).has(c.text)) matching.push(id)
  }
  if (matching.length === 0) return
  for (const a of await deps.store.inbound.authors(matching)) {
    const text = p.optOutCandidates.get(a.id)?.text
    if (text === undefined) continue
    try {
      await optOutOnKeyword(deps, { businessId: a.business_id, contactId: a.contact_id, text })
    } catch (err) {
      // The message is stored; a failed opt-out is logged, not a reason for Meta to resend everything.
      deps.log.error({ err, message_id: a.id }, 'could not apply an opt-out keyword')
    }
  }
}
