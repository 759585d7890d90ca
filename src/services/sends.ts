import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { checkContent, previewOf, type OutboundContent } from '../domain/outbound.js'
import type { Principal } from '../domain/principal.js'
import type { TemplateComponent } from '../providers/index.js'
import { OUTBOX_CHANNEL, type MessageRow, type QueuedMessage } from '../store/messages.js'
import { assertNotOptedOut, ensureRecipient, phoneOrThrow } from './contacts.js'
import { getConversation } from './conversations.js'
import type { Deps } from './deps.js'
import { resolveSendingNumber } from './numbers.js'
import { assertSenderMayMessage } from './senders.js'
import { answersByKey, groupCommit, perStore } from './group-commit.js'
import { notifyLive } from './live.js'
import { approvedTemplateFor, fillTemplate } from './templates.js'
import { assertFreeFormAllowed } from './window.js'

// Sends: a message is accepted (checked, queued, committed with its outbox row in one statement) and
// answered at once; the dispatcher in src/jobs hands it to the provider, paced and in order.

export interface Author {
  type: 'member' | 'api_key' | 'agent' | 'broadcast'
  id: string | null
}

export function authorOf(p: Principal): Author {
  return { type: p.kind === 'member' ? 'member' : 'api_key', id: p.id }
}

export interface SendCommand {
  businessId: string
  conversationId: string
  content: OutboundContent
  /** Our message id (or a wamid) to quote. */
  replyTo?: string
  idempotencyKey?: string
  author: Author
  lane?: 'interactive' | 'bulk'
}

/** A retry with the same key gets the first message back, whatever happened since. */
async function replay(deps: Deps, businessId: string, key: string | undefined): Promise<MessageRow | null> {
  return key ? deps.store.messages.byIdempotencyKey(businessId, key) : null
}

const pendingWakes = new WeakMap<object, Set<string>>()

/**
 * Tells dispatchers (every process LISTENing) that a number has new work. After the commit, not in it:
 * Postgres takes a global lock to commit a transaction that issued NOTIFY, which would serialise every
 * send. Coalesced per number within a few milliseconds, so a burst costs a handful of NOTIFYs.
 */
function wakeDispatchers(deps: Deps, numberId: string): void {
  const db = deps.store.database
  let pending = pendingWakes.get(db)
  if (!pending) pendingWakes.set(db, (pending = new Set()))
  if (pending.has(numberId)) return
  pending.add(numberId)
  setTimeout(() => {
    pending.delete(numberId)
    db.notify(OUTBOX_CHANNEL, numberId).catch((err: unknown) => deps.log.warn({ err }, 'outbox notify failed; the dispatcher poll will find the send'))
  }, 2)
}

// Accepted sends are group-committed (see group-commit.ts): a burst of sends is one INSERT statement,
// each request still answered only after the statement holding its message has committed.
const enqueueQueue = perStore((deps) =>
  groupCommit<QueuedMessage, MessageRow | null>({
    maxWeight: 200,
    run: async (rows) => answersByKey(rows, await deps.store.messages.enqueue(rows), (r) => r.id, (m) => m.id),
  }),
)

async function enqueueOrReplay(deps: Deps, row: QueuedMessage): Promise<MessageRow> {
  const m = await enqueueQueue(deps)(row)
  if (m) {
    wakeDispatchers(deps, m.numberId)
    void notifyLive(deps, { businessId: m.businessId, conversationId: m.conversationId, kind: 'message.created' })
    return m
  }
  // The unique (business_id, idempotency_key) index refused a second row: another request with the same
  // key (maybe on another process) won the race; its message is the answer.
  const first = row.idempotencyKey ? await deps.store.messages.byIdempotencyKey(row.businessId, row.idempotencyKey) : null
  if (!first) throw new ConflictError('idempotency_key_in_progress', 'A request with this Idempotency-Key is still being processed; retry with the same key in a moment.')
  return first
}

/** Free-form content into a conversation: only inside the 24-hour window (else 422 window_closed). */
export async function sendToConversation(deps: Deps, cmd: SendCommand): Promise<MessageRow> {
  const first = await replay(deps, cmd.businessId, cmd.idempotencyKey)
  if (first) return first
  const problems = checkContent(cmd.content)
  if (problems.length) {
    throw ValidationError.fields(
      `The message is not valid for WhatsApp: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}. Fix them and send it again.`,
      problems,
    )
  }
  const conv = await getConversation(deps, cmd.businessId, cmd.conversationId)
  assertFreeFormAllowed(conv, deps.clock())
  if (conv.customerPhone) await assertSenderMayMessage(deps, conv.numberId, conv.customerPhone)

  const c = cmd.content
  let payload: Record<string, unknown> = {}
  let text: string | null = null
  let messageType: string = c.kind
  switch (c.kind) {
    case 'text':
      text = c.text
      break
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
      payload = await mediaPayload(deps, cmd.businessId, conv.numberId, c)
      text = c.caption ?? null
      break
    case 'buttons':
      messageType = 'interactive'
      text = c.body
      payload = { type: 'button', body: c.body, header: c.header ?? null, footer: c.footer ?? null, buttons: c.buttons.map((b) => ({ id: b.id, title: b.title })) }
      break
    case 'list':
      messageType = 'interactive'
      text = c.body
      payload = {
        type: 'list', body: c.body, header: c.header ?? null, footer: c.footer ?? null, button_text: c.buttonText,
        sections: c.sections.map((s) => ({ title: s.title ?? null, rows: s.rows.map((r) => ({ id: r.id, title: r.title, description: r.description ?? null })) })),
      }
      break
    case 'reaction': {
      const target = await messageInConversation(deps, cmd.businessId, conv.id, c.messageId, 'reaction.message_id')
      payload = { message_id: target.id, message_wamid: target.providerMessageId, emoji: c.emoji }
      break
    }
  }
  let replyToMessageId: string | null = null
  let replyToWamid: string | null = null
  if (cmd.replyTo !== undefined && c.kind !== 'reaction') {
    if (cmd.replyTo.startsWith('wamid.')) replyToWamid = cmd.replyTo
    else {
      const target = await messageInConversation(deps, cmd.businessId, conv.id, cmd.replyTo, 'reply_to')
      replyToMessageId = target.id
      // Null while the quoted message is still queued: the dispatcher looks it up when it sends (by
      // then it is known, since messages to one customer leave in order).
      replyToWamid = target.providerMessageId
    }
  }
  return enqueueOrReplay(deps, {
    id: newId(),
    businessId: cmd.businessId,
    conversationId: conv.id,
    numberId: conv.numberId,
    messageType,
    text,
    payload,
    template: null,
    replyToMessageId,
    replyToWamid,
    authorType: cmd.author.type,
    authorId: cmd.author.id,
    idempotencyKey: cmd.idempotencyKey ?? null,
    preview: previewOf(c),
    lane: cmd.lane ?? 'interactive',
    at: deps.clock(),
  })
}

async function messageInConversation(deps: Deps, businessId: string, conversationId: string, id: string, field: string): Promise<MessageRow> {
  const m = isUuid(id) ? await deps.store.messages.get(businessId, id) : null
  if (!m || m.conversationId !== conversationId) {
    throw ValidationError.fields(`${field} must name a message of this conversation (its id); ${id} is not one.`, [
      { field, problem: 'is not a message of this conversation' },
    ])
  }
  return m
}

async function mediaPayload(
  deps: Deps,
  businessId: string,
  numberId: string,
  c: Extract<OutboundContent, { kind: 'image' | 'document' | 'audio' | 'video' }>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  if (c.link) out.link = c.link
  if (c.mediaId) {
    out.media_id = c.mediaId
    if (isUuid(c.mediaId)) {
      // Our id from POST /v1/media: WhatsApp wants the id the provider gave the upload, on the same number.
      const m = await deps.store.messages.uploadedMedia(businessId, c.mediaId)
      if (!m || !m.providerMediaId) {
        throw new NotFoundError('media_not_found', `No uploaded media has the id ${c.mediaId}; upload the file with POST /v1/media first.`, { media_id: c.mediaId })
      }
      if (m.numberId !== numberId) {
        throw ValidationError.fields('That media was uploaded for another number; upload it again for the number of this conversation.', [
          { field: `${c.kind}.media_id`, problem: 'belongs to another number' },
        ])
      }
      out.provider_media_id = m.providerMediaId
    } else {
      out.provider_media_id = c.mediaId
    }
  }
  if (c.caption !== undefined) out.caption = c.caption
  if (c.filename !== undefined) out.filename = c.filename
  return out
}

export interface TemplateSendCommand {
  businessId: string
  numberId?: string
  phone: string
  templateKey: string
  language?: string
  customerName?: string
  variables: Record<string, unknown>
  idempotencyKey?: string
  author: Author
  lane?: 'interactive' | 'bulk'
  /** What the author first wanted to say (an agent's free-form text that became a template): kept on the payload. */
  originalMessage?: string
}

/** Stores the provider components with snake_case keys (they are shown as the message's payload). */
export function storedComponents(components: TemplateComponent[]): Array<Record<string, unknown>> {
  return components.map((c) =>
    c.type === 'header' || c.type === 'body'
      ? { type: c.type, parameters: c.parameters.map((p) => (p.type === 'text' ? { type: 'text', text: p.text, ...(p.parameterName ? { parameter_name: p.parameterName } : {}) } : { ...p })) }
      : { ...c },
  )
}

/**
 * An approved template to a phone (inside or outside the window): the contact and the conversation
 * are created when new. Checks, in order: phone, number, template exists, approved, variables, opt-out.
 */
export async function sendTemplate(deps: Deps, cmd: TemplateSendCommand): Promise<MessageRow> {
  const first = await replay(deps, cmd.businessId, cmd.idempotencyKey)
  if (first) return first
  const phone = phoneOrThrow(cmd.phone)
  const number = await resolveSendingNumber(deps, cmd.businessId, cmd.numberId)
  await assertSenderMayMessage(deps, number.id, phone)
  const template = await approvedTemplateFor(deps, number.id, cmd.templateKey, cmd.language)
  const filled = fillTemplate(template, cmd.variables)
  const marketing = template.category === 'MARKETING'
  const { contact, conversationId } = await ensureRecipient(deps, { businessId: cmd.businessId, numberId: number.id, phone, name: cmd.customerName, unlessOptedOut: marketing })
  if (marketing) assertNotOptedOut(contact)
  if (!conversationId) throw new Error('a recipient without a conversation was not refused')
  const at = deps.clock()
  return enqueueOrReplay(deps, {
    id: newId(),
    businessId: cmd.businessId,
    conversationId,
    numberId: number.id,
    messageType: 'template',
    text: filled.text,
    payload: { components: storedComponents(filled.components), ...(cmd.originalMessage ? { original_message: cmd.originalMessage } : {}) },
    template: { id: template.id, key: template.name, language: template.language, category: template.category, variables: filled.values },
    replyToMessageId: null,
    replyToWamid: null,
    authorType: cmd.author.type,
    authorId: cmd.author.id,
    idempotencyKey: cmd.idempotencyKey ?? null,
    preview: filled.text,
    lane: cmd.lane ?? 'interactive',
    at,
  })
}
