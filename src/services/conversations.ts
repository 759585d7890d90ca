import { NotFoundError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid } from '../domain/ids.js'
import { decodePageToken, encodePageToken, isTimeCursor, type TimeCursor } from '../domain/page-token.js'
import type { Principal } from '../domain/principal.js'
import type { ConversationFilter, ConversationPatch, ConversationWithCustomer } from '../store/conversations.js'
import type { MessageRow } from '../store/messages.js'
import type { Deps } from './deps.js'
import { byKey, groupLookup, perStore } from './group-commit.js'
import { assertMemberOfBusiness } from './members.js'
import { credentialsFor } from './numbers.js'
import { decideWindow, type WindowDecision } from './window.js'
import { emitEvents } from './events.js'
import { notifyLive } from './live.js'

// Conversations: the inbox's list, one conversation with its newest messages, assignment and status
// changes, and marking read (with a read receipt to WhatsApp).

export const CONVERSATION_STATUSES = ['open', 'pending_customer', 'pending', 'resolved'] as const
export const CONVERSATION_MODES = ['ai', 'human'] as const

export interface Conversation extends ConversationWithCustomer {
  window: WindowDecision
}

export interface ConversationQuery {
  status?: string
  mode?: string
  /** 'me', 'unassigned' or a member id. */
  assigned?: string
  numberId?: string
  search?: string
  tag?: string
  folder?: string
  unreadOnly?: boolean
  /** newest (default): most recently active first; oldest: longest-waiting first. */
  order?: 'newest' | 'oldest'
  pageSize: number
  pageToken?: string
}

function withWindow(deps: Deps, c: ConversationWithCustomer): Conversation {
  return { ...c, window: decideWindow(c.lastInboundAt, deps.clock()) }
}

const notFound = (id: string) =>
  new NotFoundError('not_found', `No conversation has the id ${id}; list conversations with GET /v1/messaging/conversations.`, { id })

// Lookups by id are group-committed: a burst of sends (each needs its conversation) costs one query.
const lookups = perStore((deps) => groupLookup(async (ids) => byKey(await deps.store.conversations.getMany(ids), (c) => c.id)))

/** The conversation, or 404 (also for another business's id). */
export async function getConversation(deps: Deps, businessId: string, id: string): Promise<Conversation> {
  const c = isUuid(id) ? await lookups(deps)(id.toLowerCase()) : null
  if (!c || c.businessId !== businessId) throw notFound(id)
  return withWindow(deps, c)
}

/** Activity cursor; `t` is null for conversations with no message yet (they sort last). */
interface ActivityCursor extends Record<string, unknown> {
  t: string | null
  id: string
}
const isActivityCursor = (v: Record<string, unknown>): v is ActivityCursor =>
  (v.t === null || (typeof v.t === 'string' && !Number.isNaN(Date.parse(v.t)))) && typeof v.id === 'string' && isUuid(v.id)

export async function listConversations(
  deps: Deps,
  principal: Principal,
  q: ConversationQuery,
): Promise<{ items: Conversation[]; nextPageToken?: string }> {
  const filter: ConversationFilter = { businessId: principal.businessId, status: q.status, mode: q.mode, folder: q.folder, unreadOnly: q.unreadOnly }
  const problems: FieldProblem[] = []
  if (q.assigned !== undefined) {
    if (q.assigned === 'me') {
      if (principal.kind !== 'member') {
        throw ValidationError.fields(
          'assigned=me needs a member session (it means "assigned to the signed-in member"); with an API key, pass the member id instead.',
          [{ field: 'assigned', problem: '"me" needs a member session; pass a member id instead' }],
        )
      }
      filter.assigned = { kind: 'member', memberId: principal.id }
    } else if (q.assigned === 'unassigned') filter.assigned = { kind: 'unassigned' }
    else if (isUuid(q.assigned)) filter.assigned = { kind: 'member', memberId: q.assigned }
    else problems.push({ field: 'assigned', problem: 'must be me, unassigned or a member id' })
  }
  if (q.numberId !== undefined) {
    if (isUuid(q.numberId)) filter.numberId = q.numberId
    else problems.push({ field: 'number_id', problem: 'must be a number id (UUID)' })
  }
  if (problems.length) throw ValidationError.fields(`Some filters are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
  if (q.search?.trim()) filter.search = q.search.trim()
  if (q.tag?.trim()) filter.tag = isUuid(q.tag.trim()) ? { id: q.tag.trim() } : { name: q.tag.trim() }

  const cursor = decodePageToken(q.pageToken, isActivityCursor)
  const rows = await deps.store.conversations.list(
    filter,
    cursor ? { t: cursor.t === null ? null : new Date(cursor.t), id: cursor.id } : undefined,
    q.pageSize + 1,
    q.order ?? 'newest',
  )
  const more = rows.length > q.pageSize
  const items = rows.slice(0, q.pageSize).map((c) => withWindow(deps, c))
  const last = items[items.length - 1]
  return {
    items,
    nextPageToken: more && last ? encodePageToken({ t: last.lastMessageAt?.toISOString() ?? null, id: last.id }) : undefined,
  }
}

/** Newest first. */
export async function listMessages(
  deps: Deps,
  businessId: string,
  conversationId: string,
  page: { pageSize: number; pageToken?: string },
): Promise<{ items: MessageRow[]; nextPageToken?: string }> {
  const conv = await getConversation(deps, businessId, conversationId)
  const cursor = decodePageToken<TimeCursor>(page.pageToken, isTimeCursor)
  const rows = await deps.store.messages.listByConversation(conv.id, cursor ? { t: new Date(cursor.t), id: cursor.id } : undefined, page.pageSize + 1)
  const more = rows.length > page.pageSize
  const items = rows.slice(0, page.pageSize)
  const last = items[items.length - 1]
  return { items, nextPageToken: more && last ? encodePageToken({ t: last.createdAt.toISOString(), id: last.id }) : undefined }
}

export async function getConversationWithMessages(
  deps: Deps,
  businessId: string,
  id: string,
  messagesLimit: number,
): Promise<{ conversation: Conversation; messages: MessageRow[] }> {
  const conversation = await getConversation(deps, businessId, id)
  const messages = await deps.store.messages.listByConversation(conversation.id, undefined, messagesLimit)
  return { conversation, messages }
}

export interface ConversationChanges {
  status?: string
  mode?: string
  /** null unassigns. */
  assigneeId?: string | null
  teamId?: string | null
  folder?: string | null
}

function changesData(c: ConversationChanges): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (c.status !== undefined) out.status = c.status
  if (c.mode !== undefined) out.mode = c.mode
  if (c.assigneeId !== undefined) out.assignee_id = c.assigneeId
  if (c.teamId !== undefined) out.team_id = c.teamId
  if (c.folder !== undefined) out.folder = c.folder
  return out
}

/** Status, mode, assignee, team, folder. The assignee and team must be this business's (else 400). */
export async function updateConversation(deps: Deps, businessId: string, id: string, c: ConversationChanges): Promise<Conversation> {
  const conv = await getConversation(deps, businessId, id)
  const problems: FieldProblem[] = []
  const patch: ConversationPatch = {}
  if (c.status !== undefined) patch.status = c.status
  if (c.mode !== undefined) patch.mode = c.mode
  if (c.folder !== undefined) {
    const f = c.folder === null ? null : c.folder.trim()
    if (f !== null && (f === '' || f.length > 64)) problems.push({ field: 'folder', problem: 'must be 1–64 characters, or null to clear it' })
    patch.folder = f
  }
  if (c.assigneeId !== undefined) patch.assigneeId = c.assigneeId
  if (c.teamId !== undefined) patch.teamId = c.teamId
  if (problems.length) {
    throw ValidationError.fields(`Some fields in the body are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}. Fix them and try again.`, problems)
  }
  // The team area owns the membership rule (400 invalid_assignee, same answer for other businesses' ids).
  await assertMemberOfBusiness(deps, businessId, { memberId: c.assigneeId, teamId: c.teamId })
  if (Object.keys(patch).length > 0) {
    const at = deps.clock()
    await deps.store.tx(async (s) => {
      await s.conversations.update(businessId, conv.id, patch, at)
      await emitEvents(s, [{ businessId, type: 'conversation.updated', data: { conversation_id: conv.id, changes: changesData(c) }, at }])
    })
    void notifyLive(deps, { businessId, conversationId: conv.id, kind: 'conversation.updated' })
  }
  return getConversation(deps, businessId, conv.id)
}

/**
 * Unread to 0, then a read receipt to WhatsApp for the customer's last message. The receipt is best
 * effort and not awaited: provider trouble must not fail the request, and a missed blue tick is harmless.
 */
export async function markConversationRead(deps: Deps, businessId: string, id: string): Promise<Conversation> {
  const conv = await getConversation(deps, businessId, id)
  await deps.store.conversations.markRead(businessId, conv.id, deps.clock())
  void notifyLive(deps, { businessId, conversationId: conv.id, kind: 'conversation.read' })
  void sendReadReceipt(deps, conv)
  return { ...conv, unreadCount: 0 }
}

async function sendReadReceipt(deps: Deps, conv: Conversation): Promise<void> {
  try {
    const last = await deps.store.messages.lastInbound(conv.id)
    if (!last?.providerMessageId) return
    const number = await deps.store.numbers.byId(conv.numberId)
    if (!number || number.status === 'disconnected') return
    await deps.providers.for(number).markRead(credentialsFor(deps, number), last.providerMessageId)
  } catch (err) {
    deps.log.warn({ err, conversationId: conv.id }, 'read receipt not sent')
  }
}
