import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { pgArray, type Handle } from './handle.js'
import { contacts, contactTags, conversations, tags } from './schema/index.js'

export type ConversationRow = typeof conversations.$inferSelect

/** A conversation with the customer it is with (contacts are shared by the business's numbers). */
export interface ConversationWithCustomer extends ConversationRow {
  customerPhone: string | null
  customerName: string | null
  customerOptedOut: boolean
}

export interface ConversationFilter {
  businessId: string
  status?: string
  mode?: string
  /** 'unassigned', or a member id. */
  assigned?: { kind: 'unassigned' } | { kind: 'member'; memberId: string }
  numberId?: string
  /** Customer name (partial, any case) or phone (digits anywhere in it). */
  search?: string
  /** A tag id, or a tag name (any case). */
  tag?: { id?: string; name?: string }
  folder?: string
  /** Only conversations with unread customer messages. */
  unreadOnly?: boolean
}

/** The last row of a page: conversations are ordered by last activity (never-active last), then id. */
export interface ActivityKey {
  t: Date | null
  id: string
}

export type ConversationPatch = Partial<Pick<ConversationRow, 'status' | 'mode' | 'assigneeId' | 'teamId' | 'folder'>>

const customerName = sql<string | null>`coalesce(${contacts.name}, nullif(trim(concat_ws(' ', ${contacts.firstName}, ${contacts.lastName})), ''))`

const columns = {
  conv: conversations,
  customerPhone: contacts.phone,
  customerName,
  customerOptedOut: contacts.optedOut,
}

function flatten(r: { conv: ConversationRow; customerPhone: string | null; customerName: string | null; customerOptedOut: boolean }): ConversationWithCustomer {
  return { ...r.conv, customerPhone: r.customerPhone, customerName: r.customerName, customerOptedOut: r.customerOptedOut }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function filterWhere(f: ConversationFilter): SQL {
  const parts: Array<SQL | undefined> = [eq(conversations.businessId, f.businessId)]
  if (f.status) parts.push(eq(conversations.status, f.status))
  if (f.mode) parts.push(eq(conversations.mode, f.mode))
  if (f.numberId) parts.push(eq(conversations.numberId, f.numberId))
  if (f.folder !== undefined) parts.push(eq(conversations.folder, f.folder))
  if (f.unreadOnly) parts.push(sql`${conversations.unreadCount} > 0`)
  if (f.assigned?.kind === 'unassigned') parts.push(isNull(conversations.assigneeId))
  if (f.assigned?.kind === 'member') parts.push(eq(conversations.assigneeId, f.assigned.memberId))
  if (f.search) {
    const text = `%${escapeLike(f.search.trim())}%`
    const digits = f.search.replace(/\D/g, '')
    parts.push(
      or(
        sql`${customerName} ILIKE ${text}`,
        ...(digits.length >= 3 ? [sql`${contacts.phone} LIKE ${`%${digits}%`}`] : []),
      ),
    )
  }
  if (f.tag) {
    const tagMatch = f.tag.id ? eq(tags.id, f.tag.id) : sql`lower(${tags.name}) = lower(${f.tag.name ?? ''})`
    parts.push(
      sql`EXISTS (SELECT 1 FROM ${contactTags} JOIN ${tags} ON ${tags.id} = ${contactTags.tagId}
        WHERE ${contactTags.contactId} = ${conversations.contactId} AND ${tags.businessId} = ${f.businessId}::uuid AND ${tagMatch})`,
    )
  }
  return and(...parts) as SQL
}

/** Rows after the cursor: newest first puts never-active conversations last, oldest first puts them first. */
function afterKey(k: ActivityKey | undefined, order: 'newest' | 'oldest'): SQL | undefined {
  if (!k) return undefined
  if (order === 'newest') {
    if (k.t === null) return and(isNull(conversations.lastMessageAt), lt(conversations.id, k.id))
    return or(
      lt(conversations.lastMessageAt, k.t),
      and(eq(conversations.lastMessageAt, k.t), lt(conversations.id, k.id)),
      isNull(conversations.lastMessageAt),
    )
  }
  if (k.t === null) return or(and(isNull(conversations.lastMessageAt), gt(conversations.id, k.id)), isNotNull(conversations.lastMessageAt))
  return or(gt(conversations.lastMessageAt, k.t), and(eq(conversations.lastMessageAt, k.t), gt(conversations.id, k.id)))
}

export function conversationsRepo(h: Handle) {
  return {
    /** Several at once (sends look their conversations up in batches); ids not found are absent. */
    async getMany(ids: string[]): Promise<ConversationWithCustomer[]> {
      if (ids.length === 0) return []
      const rows = await h.db
        .select(columns)
        .from(conversations)
        .innerJoin(contacts, eq(contacts.id, conversations.contactId))
        .where(sql`${conversations.id} = ANY(${pgArray(ids)}::uuid[])`)
      return rows.map(flatten)
    },

    async byNumberAndContact(numberId: string, contactId: string): Promise<ConversationWithCustomer | null> {
      const [r] = await h.db
        .select(columns)
        .from(conversations)
        .innerJoin(contacts, eq(contacts.id, conversations.contactId))
        .where(and(eq(conversations.numberId, numberId), eq(conversations.contactId, contactId)))
      return r ? flatten(r) : null
    },

    /** The conversation of (number, contact), created when new; one statement, safe when two race. */
    async list(f: ConversationFilter, after: ActivityKey | undefined, limit: number, order: 'newest' | 'oldest' = 'newest'): Promise<ConversationWithCustomer[]> {
      const rows = await h.db
        .select(columns)
        .from(conversations)
        .innerJoin(contacts, eq(contacts.id, conversations.contactId))
        .where(and(filterWhere(f), afterKey(after, order)))
        .orderBy(
          ...(order === 'newest'
            ? [sql`${conversations.lastMessageAt} DESC NULLS LAST`, desc(conversations.id)]
            : [sql`${conversations.lastMessageAt} ASC NULLS FIRST`, asc(conversations.id)]),
        )
        .limit(limit)
      return rows.map(flatten)
    },

    async update(businessId: string, id: string, patch: ConversationPatch, at: Date): Promise<boolean> {
      const rows = await h.db
        .update(conversations)
        .set({ ...patch, updatedAt: at })
        .where(and(eq(conversations.businessId, businessId), eq(conversations.id, id)))
        .returning({ id: conversations.id })
      return rows.length > 0
    },

    async markRead(businessId: string, id: string, at: Date): Promise<boolean> {
      const rows = await h.db
        .update(conversations)
        .set({ unreadCount: 0, updatedAt: at })
        .where(and(eq(conversations.businessId, businessId), eq(conversations.id, id)))
        .returning({ id: conversations.id })
      return rows.length > 0
    },

    /**
     * Records an outbound message on its conversation. Taking the row lock first also orders
     * concurrent sends to one conversation, so outbox `seq` follows commit order per customer.
     */
    async touchOutbound(id: string, preview: string, at: Date): Promise<void> {
      await h.db
        .update(conversations)
        .set({ lastMessageAt: at, lastOutboundAt: at, lastMessagePreview: preview.slice(0, 200), lastMessageDirection: 'outbound', updatedAt: at })
        .where(eq(conversations.id, id))
    },

    /** Conversations per business by status, for the inbox's counters. */
    async unreadTotals(businessId: string): Promise<{ conversations: number; messages: number }> {
      const [r] = await h.db
        .select({
          conversations: sql<number>`count(*) FILTER (WHERE ${conversations.unreadCount} > 0)::int`,
          messages: sql<number>`coalesce(sum(${conversations.unreadCount}), 0)::int`,
        })
        .from(conversations)
        .where(eq(conversations.businessId, businessId))
      return r ?? { conversations: 0, messages: 0 }
    },
  }
}
