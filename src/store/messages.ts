import { and, desc, eq, lt, or, sql } from 'drizzle-orm'
import { toDate } from './db.js'
import type { Handle } from './handle.js'
import { media, messages } from './schema/index.js'

export type MessageRow = typeof messages.$inferSelect
export type MessageInsert = typeof messages.$inferInsert

/** The last row of a page of history: newest first by creation time, then id. */
export interface MessageKey {
  t: Date
  id: string
}

/** A message row as raw SQL returns it (snake_case, timestamps as text). */
export interface RawMessage {
  id: string
  business_id: string
  conversation_id: string
  number_id: string
  direction: string
  message_type: string
  text: string | null
  payload: Record<string, unknown>
  template: Record<string, unknown> | null
  reply_to_message_id: string | null
  reply_to_wamid: string | null
  reactions: Array<Record<string, unknown>>
  delivery_status: string
  error: Record<string, unknown> | null
  provider_message_id: string | null
  author_type: string
  author_id: string | null
  idempotency_key: string | null
  provider_timestamp: unknown
  created_at: unknown
  sent_at: unknown
  delivered_at: unknown
  read_at: unknown
  failed_at: unknown
}

export function messageFromRaw(r: RawMessage): MessageRow {
  return {
    id: r.id,
    businessId: r.business_id,
    conversationId: r.conversation_id,
    numberId: r.number_id,
    direction: r.direction,
    messageType: r.message_type,
    text: r.text,
    payload: r.payload,
    template: r.template,
    replyToMessageId: r.reply_to_message_id,
    replyToWamid: r.reply_to_wamid,
    reactions: r.reactions,
    deliveryStatus: r.delivery_status,
    error: r.error,
    providerMessageId: r.provider_message_id,
    authorType: r.author_type,
    authorId: r.author_id,
    idempotencyKey: r.idempotency_key,
    providerTimestamp: toDate(r.provider_timestamp, true),
    createdAt: toDate(r.created_at),
    sentAt: toDate(r.sent_at, true),
    deliveredAt: toDate(r.delivered_at, true),
    readAt: toDate(r.read_at, true),
    failedAt: toDate(r.failed_at, true),
  }
}

/** Everything a queued send needs, written in one statement by `enqueue`. */
export interface QueuedMessage {
  id: string
  businessId: string
  conversationId: string
  numberId: string
  messageType: string
  text: string | null
  payload: Record<string, unknown>
  template: Record<string, unknown> | null
  replyToMessageId: string | null
  replyToWamid: string | null
  authorType: string
  authorId: string | null
  idempotencyKey: string | null
  preview: string
  lane: 'interactive' | 'bulk'
  at: Date
}

export const OUTBOX_CHANNEL = 'switchboard_outbox'

export function messagesRepo(h: Handle) {
  return {
    /**
     * Queued messages, their outbox rows and their conversations' last-activity columns, in ONE
     * statement, so it is atomic without a transaction and costs one round trip however many messages
     * it holds (sends are group-committed, see services/sends.ts). The unique index on (business_id,
     * idempotency_key) decides races: a message refused by it is not written and not returned.
     * Outbox rows are numbered in the order given: messages to one customer leave in that order.
     * No NOTIFY in here: Postgres serialises the commits of transactions that notify (see sends.ts).
     */
    async enqueue(batch: QueuedMessage[]): Promise<MessageRow[]> {
      if (batch.length === 0) return []
      const data = batch.map((m, ord) => ({
        ord, id: m.id, business_id: m.businessId, conversation_id: m.conversationId, number_id: m.numberId, message_type: m.messageType,
        text: m.text, payload: m.payload, template: m.template, reply_to_message_id: m.replyToMessageId, reply_to_wamid: m.replyToWamid,
        author_type: m.authorType, author_id: m.authorId, idempotency_key: m.idempotencyKey, preview: m.preview.slice(0, 200), lane: m.lane,
        at: m.at.toISOString(),
      }))
      const rows = await h.rows<RawMessage>(sql`
        WITH d AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(data)}::jsonb) AS d(ord int, id uuid, business_id uuid, conversation_id uuid,
            number_id uuid, message_type text, text text, payload jsonb, template jsonb, reply_to_message_id uuid, reply_to_wamid text,
            author_type text, author_id text, idempotency_key text, preview text, lane text, at timestamptz)
        ), msg AS (
          INSERT INTO messages (id, business_id, conversation_id, number_id, direction, message_type, text, payload, template,
            reply_to_message_id, reply_to_wamid, delivery_status, author_type, author_id, idempotency_key, created_at)
          SELECT id, business_id, conversation_id, number_id, 'outbound', message_type, text, payload, template,
            reply_to_message_id, reply_to_wamid, 'queued', author_type, author_id, idempotency_key, at
          FROM d ORDER BY ord
          ON CONFLICT (business_id, idempotency_key) DO NOTHING
          RETURNING *
        ), ob AS (
          INSERT INTO outbox (message_id, business_id, number_id, conversation_id, lane, available_at, created_at)
          SELECT d.id, d.business_id, d.number_id, d.conversation_id, d.lane, d.at, d.at FROM d JOIN msg ON msg.id = d.id ORDER BY d.ord
        ), latest AS (
          SELECT DISTINCT ON (d.conversation_id) d.conversation_id, d.at, d.preview FROM d JOIN msg ON msg.id = d.id
          ORDER BY d.conversation_id, d.ord DESC
        ), conv AS (
          UPDATE conversations c SET last_message_at = greatest(c.last_message_at, latest.at),
            last_outbound_at = greatest(c.last_outbound_at, latest.at),
            last_message_preview = latest.preview, last_message_direction = 'outbound', updated_at = latest.at
          FROM latest WHERE c.id = latest.conversation_id
        )
        SELECT msg.* FROM msg`)
      return rows.map(messageFromRaw)
    },

    /**
     * Inserts a message unless the business already has one with its idempotency key; null then.
     * The unique index decides, so two processes racing with one key never both insert.
     */
    async insertUnlessKeyed(row: MessageInsert): Promise<MessageRow | null> {
      const q = h.db.insert(messages).values(row)
      const rows = row.idempotencyKey
        ? await q.onConflictDoNothing({ target: [messages.businessId, messages.idempotencyKey] }).returning()
        : await q.returning()
      return rows[0] ?? null
    },

    async byIdempotencyKey(businessId: string, key: string): Promise<MessageRow | null> {
      const [m] = await h.db.select().from(messages).where(and(eq(messages.businessId, businessId), eq(messages.idempotencyKey, key)))
      return m ?? null
    },

    async get(businessId: string, id: string): Promise<MessageRow | null> {
      const [m] = await h.db.select().from(messages).where(and(eq(messages.businessId, businessId), eq(messages.id, id)))
      return m ?? null
    },

    /** Newest first. */
    async listByConversation(conversationId: string, after: MessageKey | undefined, limit: number): Promise<MessageRow[]> {
      const page = after
        ? or(lt(messages.createdAt, after.t), and(eq(messages.createdAt, after.t), lt(messages.id, after.id)))
        : undefined
      return h.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, conversationId), page))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit)
    },

    /** The customer's newest message with a wamid: what a read receipt points at. */
    async lastInbound(conversationId: string): Promise<MessageRow | null> {
      const [m] = await h.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, conversationId), eq(messages.direction, 'inbound'), sql`${messages.providerMessageId} IS NOT NULL`))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(1)
      return m ?? null
    },

    /** An upload (POST /v1/media) a send refers to: which number it belongs to and the provider's id. */
    async uploadedMedia(businessId: string, id: string): Promise<{ numberId: string; providerMediaId: string | null } | null> {
      const [m] = await h.db
        .select({ numberId: media.numberId, providerMediaId: media.providerMediaId })
        .from(media)
        .where(and(eq(media.businessId, businessId), eq(media.id, id)))
      return m ?? null
    },

    /** The wamid of a message (the dispatcher resolves quotes and reactions of queued messages late). */
    async wamidOf(id: string): Promise<string | null> {
      const [m] = await h.db.select({ wamid: messages.providerMessageId }).from(messages).where(eq(messages.id, id))
      return m?.wamid ?? null
    },

    /** Outbound messages not yet handed over, by number (queue depth for metrics). */
    async countByStatus(businessId: string, conversationId: string): Promise<Record<string, number>> {
      const rows = await h.db
        .select({ status: messages.deliveryStatus, n: sql<number>`count(*)::int` })
        .from(messages)
        .where(and(eq(messages.businessId, businessId), eq(messages.conversationId, conversationId)))
        .groupBy(messages.deliveryStatus)
      return Object.fromEntries(rows.map((r) => [r.status, r.n]))
    },
  }
}
