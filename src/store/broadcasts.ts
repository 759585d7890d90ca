import { and, desc, eq, sql, type SQL } from 'drizzle-orm'
import { contactWhere, type ContactFilter } from './contact-list-query.js'
import { toDate } from './db.js'
import { pgArray, type Handle } from './handle.js'
import { broadcasts } from './schema/index.js'

export type BroadcastRow = typeof broadcasts.$inferSelect

/** Who is in a broadcast: a segment (contact filters, plus tags of which any will do) and explicit contacts. */
export interface AudienceFilter {
  /** Null when the audience is only explicit contacts. */
  segment: ContactFilter | null
  anyTagIds: string[] | null
  contactIds: string[]
}

export interface BroadcastCounts {
  total: number
  pending: number
  queued: number
  sent: number
  delivered: number
  read: number
  failed: number
  skipped: number
}

/** A recipient claimed for fan-out, with what its variables may read. */
export interface ClaimedRecipient {
  id: string
  contactId: string | null
  phone: string
  name: string | null
  firstName: string | null
  lastName: string | null
  email: string | null
  language: string | null
  fields: Record<string, unknown>
  optedOut: boolean
}

export interface FanoutMessage {
  recipientId: string
  contactId: string
  messageId: string
  conversationId: string
  text: string
  payload: Record<string, unknown>
  template: Record<string, unknown>
}

export interface RecipientListItem {
  id: string
  contactId: string | null
  phone: string
  status: string
  skipReason: string | null
  messageId: string | null
  error: Record<string, unknown> | null
  updatedAt: Date
}

// A WhatsApp "not on WhatsApp" failure counts as skipped, not failed: nothing the business can retry.
const UNDELIVERABLE = sql`(m.error->>'code' = 'undeliverable' OR m.error->>'provider_code' = '131026')`
const RECIPIENT_STATUS = sql`CASE
  WHEN r.status IN ('skipped', 'pending') THEN r.status
  WHEN m.id IS NULL THEN r.status
  WHEN m.delivery_status = 'failed' AND ${UNDELIVERABLE} THEN 'skipped'
  ELSE m.delivery_status END`

function audienceWhere(a: AudienceFilter): SQL {
  const parts: SQL[] = []
  if (a.segment) {
    const seg: SQL[] = [contactWhere(a.segment)]
    if (a.anyTagIds) {
      seg.push(
        a.anyTagIds.length
          ? sql`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag_id = ANY(${pgArray(a.anyTagIds)}::uuid[]))`
          : sql`false`,
      )
    }
    parts.push(sql`(${sql.join(seg, sql` AND `)})`)
  }
  if (a.contactIds.length) parts.push(sql`c.id = ANY(${pgArray(a.contactIds)}::uuid[])`)
  return parts.length ? sql`(${sql.join(parts, sql` OR `)})` : sql`false`
}

export function broadcastsRepo(h: Handle) {
  return {
    async insert(row: typeof broadcasts.$inferInsert): Promise<BroadcastRow> {
      const [b] = await h.db.insert(broadcasts).values(row).returning()
      return b
    },
    async get(businessId: string, id: string): Promise<BroadcastRow | null> {
      const [b] = await h.db.select().from(broadcasts).where(and(eq(broadcasts.businessId, businessId), eq(broadcasts.id, id)))
      return b ?? null
    },
    async byId(id: string): Promise<BroadcastRow | null> {
      const [b] = await h.db.select().from(broadcasts).where(eq(broadcasts.id, id))
      return b ?? null
    },
    async list(businessId: string, after: { t: Date; id: string } | undefined, limit: number): Promise<BroadcastRow[]> {
      return h.db
        .select()
        .from(broadcasts)
        .where(and(eq(broadcasts.businessId, businessId), after ? sql`(${broadcasts.createdAt}, ${broadcasts.id}) < (${after.t}, ${after.id})` : undefined))
        .orderBy(desc(broadcasts.createdAt), desc(broadcasts.id))
        .limit(limit)
    },
    /** Moves a broadcast between states only from the ones given: a compare-and-set against races. */
    async transition(id: string, from: string[], patch: Partial<typeof broadcasts.$inferInsert>): Promise<BroadcastRow | null> {
      const [b] = await h.db
        .update(broadcasts)
        .set(patch)
        .where(and(eq(broadcasts.id, id), sql`${broadcasts.status} = ANY(${pgArray(from)}::text[])`))
        .returning()
      return b ?? null
    },
    /** Broadcasts a fan-out worker should look at: running ones, and scheduled ones now due. */
    async active(now: Date): Promise<BroadcastRow[]> {
      return h.db
        .select()
        .from(broadcasts)
        .where(sql`${broadcasts.status} = 'running' OR (${broadcasts.status} = 'scheduled' AND ${broadcasts.scheduledAt} <= ${now})`)
    },

    async countAudience(businessId: string, a: AudienceFilter): Promise<number> {
      const [r] = await h.rows<{ n: number }>(sql`
        SELECT count(*)::int8 AS n FROM contacts c
        WHERE c.business_id = ${businessId}::uuid AND c.erased_at IS NULL AND c.phone IS NOT NULL AND ${audienceWhere(a)}`)
      return r?.n ?? 0
    },

    /** Fixes the audience: one pending row per contact with a phone (each phone once). */
    async materialize(broadcastId: string, businessId: string, a: AudienceFilter, at: Date): Promise<number> {
      const rows = await h.rows<{ n: number }>(sql`
        WITH ins AS (
          INSERT INTO broadcast_recipients (id, broadcast_id, contact_id, phone, status, updated_at)
          SELECT uuidv7(), ${broadcastId}::uuid, c.id, c.phone, 'pending', ${at.toISOString()}::timestamptz
          FROM contacts c
          WHERE c.business_id = ${businessId}::uuid AND c.erased_at IS NULL AND c.phone IS NOT NULL AND ${audienceWhere(a)}
          ORDER BY c.created_at, c.id
          ON CONFLICT (broadcast_id, phone) DO NOTHING
          RETURNING 1
        ) SELECT count(*)::int8 AS n FROM ins`)
      return rows[0]?.n ?? 0
    },

    /** The next pending recipients, locked so that another process's worker takes others. */
    async claimPending(broadcastId: string, limit: number): Promise<ClaimedRecipient[]> {
      const rows = await h.rows<Record<string, unknown>>(sql`
        SELECT r.id, r.contact_id, r.phone, c.name, c.first_name, c.last_name, c.email, c.language, c.fields, c.opted_out
        FROM broadcast_recipients r LEFT JOIN contacts c ON c.id = r.contact_id
        WHERE r.broadcast_id = ${broadcastId}::uuid AND r.status = 'pending'
        ORDER BY r.id
        LIMIT ${limit}
        FOR UPDATE OF r SKIP LOCKED`)
      return rows.map((r) => ({
        id: String(r.id),
        contactId: (r.contact_id as string | null) ?? null,
        phone: String(r.phone),
        name: (r.name as string | null) ?? null,
        firstName: (r.first_name as string | null) ?? null,
        lastName: (r.last_name as string | null) ?? null,
        email: (r.email as string | null) ?? null,
        language: (r.language as string | null) ?? null,
        fields: (typeof r.fields === 'string' ? JSON.parse(r.fields) : (r.fields ?? {})) as Record<string, unknown>,
        optedOut: r.opted_out === true,
      }))
    },

    async skip(rows: Array<{ id: string; reason: string }>, at: Date): Promise<void> {
      if (rows.length === 0) return
      await h.db.execute(sql`
        UPDATE broadcast_recipients r SET status = 'skipped', skip_reason = v.reason, updated_at = ${at.toISOString()}::timestamptz
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, reason text)
        WHERE r.id = v.id`)
    },

    /**
     * Queues many template messages at once: the conversations (created or touched), the messages, their
     * outbox rows, and the recipients pointed at their messages, in one statement. Each message carries
     * the idempotency key `broadcast:<recipient id>`, so a recipient can never get two.
     */
    async enqueue(b: { broadcastId: string; businessId: string; numberId: string; at: Date }, items: FanoutMessage[]): Promise<number> {
      if (items.length === 0) return 0
      const at = b.at.toISOString()
      const rows = await h.rows<{ n: number }>(sql`
        WITH v AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(
            items.map((i) => ({ rid: i.recipientId, cid: i.contactId, mid: i.messageId, conv: i.conversationId, text: i.text, payload: i.payload, template: i.template })),
          )}::jsonb) AS x(rid uuid, cid uuid, mid uuid, conv uuid, text text, payload jsonb, template jsonb)
        ), convs AS (
          INSERT INTO conversations (id, business_id, number_id, contact_id, last_message_at, last_outbound_at, last_message_preview,
            last_message_direction, created_at, updated_at)
          SELECT v.conv, ${b.businessId}::uuid, ${b.numberId}::uuid, v.cid, ${at}::timestamptz, ${at}::timestamptz, left(v.text, 200), 'outbound',
            ${at}::timestamptz, ${at}::timestamptz
          FROM v
          ON CONFLICT (number_id, contact_id) DO UPDATE SET
            last_message_at = greatest(conversations.last_message_at, EXCLUDED.last_message_at),
            last_outbound_at = greatest(conversations.last_outbound_at, EXCLUDED.last_outbound_at),
            last_message_preview = EXCLUDED.last_message_preview, last_message_direction = 'outbound', updated_at = EXCLUDED.updated_at
          RETURNING id, contact_id
        ), msgs AS (
          INSERT INTO messages (id, business_id, conversation_id, number_id, direction, message_type, text, payload, template,
            delivery_status, author_type, author_id, idempotency_key, created_at)
          SELECT v.mid, ${b.businessId}::uuid, convs.id, ${b.numberId}::uuid, 'outbound', 'template', v.text, v.payload, v.template,
            'queued', 'broadcast', ${b.broadcastId}, 'broadcast:' || v.rid, ${at}::timestamptz
          FROM v JOIN convs ON convs.contact_id = v.cid
          ON CONFLICT (business_id, idempotency_key) DO NOTHING
          RETURNING id, business_id, number_id, conversation_id
        ), ob AS (
          INSERT INTO outbox (message_id, business_id, number_id, conversation_id, lane, available_at, created_at)
          SELECT id, business_id, number_id, conversation_id, 'bulk', ${at}::timestamptz, ${at}::timestamptz FROM msgs
        ), rec AS (
          UPDATE broadcast_recipients r SET status = 'queued', message_id = v.mid, updated_at = ${at}::timestamptz
          FROM v WHERE r.id = v.rid AND v.mid IN (SELECT id FROM msgs)
          RETURNING 1
        )
        SELECT count(*)::int8 AS n FROM rec`)
      return rows[0]?.n ?? 0
    },

    /** Sends of this number's bulk lane not yet handed to WhatsApp: the fan-out keeps this small. */
    async bulkBacklog(numberId: string): Promise<number> {
      const [r] = await h.rows<{ n: number }>(sql`SELECT count(*)::int8 AS n FROM outbox WHERE number_id = ${numberId}::uuid AND lane = 'bulk'`)
      return r?.n ?? 0
    },

    /**
     * Takes back this broadcast's messages that no dispatcher holds yet (pause, cancel): their recipients
     * are pending again and the messages (with their outbox rows) go. Rows a dispatcher holds stay.
     * Run inside a transaction: the outbox rows stay locked between the two statements.
     */
    async withdrawQueued(broadcastId: string, now: Date): Promise<number> {
      const freed = await h.rows<{ message_id: string }>(sql`
        WITH free AS (
          SELECT o.message_id FROM outbox o JOIN broadcast_recipients r ON r.message_id = o.message_id
          WHERE r.broadcast_id = ${broadcastId}::uuid AND (o.locked_until IS NULL OR o.locked_until < ${now.toISOString()}::timestamptz)
          FOR UPDATE OF o SKIP LOCKED
        ), back AS (
          UPDATE broadcast_recipients r SET status = 'pending', message_id = NULL, updated_at = ${now.toISOString()}::timestamptz
          WHERE r.message_id IN (SELECT message_id FROM free)
        )
        SELECT message_id FROM free`)
      if (freed.length === 0) return 0
      await h.db.execute(sql`DELETE FROM messages WHERE id = ANY(${pgArray(freed.map((f) => f.message_id))}::uuid[])`)
      return freed.length
    },

    /** Recipients still pending become skipped (cancel). */
    async skipPending(broadcastId: string, reason: string, at: Date): Promise<number> {
      const rows = await h.rows<{ n: number }>(sql`
        WITH s AS (
          UPDATE broadcast_recipients SET status = 'skipped', skip_reason = ${reason}, updated_at = ${at.toISOString()}::timestamptz
          WHERE broadcast_id = ${broadcastId}::uuid AND status = 'pending' RETURNING 1
        ) SELECT count(*)::int8 AS n FROM s`)
      return rows[0]?.n ?? 0
    },

    async counts(broadcastId: string): Promise<BroadcastCounts> {
      const [r] = await h.rows<Record<string, number>>(sql`
        SELECT count(*)::int8 AS total,
          count(*) FILTER (WHERE s = 'pending')::int8 AS pending,
          count(*) FILTER (WHERE s IN ('pending', 'queued'))::int8 AS queued,
          count(*) FILTER (WHERE s = 'sent')::int8 AS sent,
          count(*) FILTER (WHERE s = 'delivered')::int8 AS delivered,
          count(*) FILTER (WHERE s = 'read')::int8 AS read,
          count(*) FILTER (WHERE s = 'failed')::int8 AS failed,
          count(*) FILTER (WHERE s = 'skipped')::int8 AS skipped
        FROM (SELECT ${RECIPIENT_STATUS} AS s FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id
              WHERE r.broadcast_id = ${broadcastId}::uuid) x`)
      return {
        total: r?.total ?? 0,
        pending: r?.pending ?? 0,
        queued: r?.queued ?? 0,
        sent: r?.sent ?? 0,
        delivered: r?.delivered ?? 0,
        read: r?.read ?? 0,
        failed: r?.failed ?? 0,
        skipped: r?.skipped ?? 0,
      }
    },

    async recipients(broadcastId: string, status: string | undefined, afterId: string | undefined, limit: number): Promise<RecipientListItem[]> {
      const rows = await h.rows<Record<string, unknown>>(sql`
        SELECT * FROM (
          SELECT r.id, r.contact_id, r.phone, ${RECIPIENT_STATUS} AS status, r.skip_reason, r.message_id, m.error,
            greatest(r.updated_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at) AS updated_at
          FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id
          WHERE r.broadcast_id = ${broadcastId}::uuid ${afterId ? sql`AND r.id > ${afterId}::uuid` : sql``}
        ) x ${status ? sql`WHERE x.status = ${status}` : sql``}
        ORDER BY x.id LIMIT ${limit}`)
      return rows.map((r) => ({
        id: String(r.id),
        contactId: (r.contact_id as string | null) ?? null,
        phone: String(r.phone),
        status: String(r.status),
        skipReason: (r.skip_reason as string | null) ?? null,
        messageId: (r.message_id as string | null) ?? null,
        error: (typeof r.error === 'string' ? JSON.parse(r.error) : r.error ?? null) as Record<string, unknown> | null,
        updatedAt: toDate(r.updated_at),
      }))
    },
  }
}
