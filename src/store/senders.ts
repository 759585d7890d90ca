import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { pgArray, type Handle } from './handle.js'
import { senderEvents, senders } from './schema/index.js'

// Senders and their state history. Every state change names the state it expects in its WHERE, so a
// request and the job (or two processes) racing on one sender cannot both win; the loser gets null.

export type SenderRow = typeof senders.$inferSelect
export type SenderInsert = typeof senders.$inferInsert
export type SenderEventRow = typeof senderEvents.$inferSelect
export type SenderEventInsert = typeof senderEvents.$inferInsert

/** Columns a state change or an edit may set (never the id, business or creation time). */
export type SenderPatch = Partial<Omit<SenderRow, 'id' | 'businessId' | 'createdAt'>>

export type SenderSortColumn = 'CREATED' | 'MODIFIED' | 'NAME' | 'STATE'
export type SortDirection = 'ASC' | 'DESC'

export interface SenderFilter {
  businessId: string
  states?: string[]
  senderIds?: string[]
  /** Part of the display name, the brand name or the phone. */
  search?: string
  /** Part of the display name. */
  name?: string
}

/** The sort key of the last row of a page (ISO time, lower-cased name, or state rank) and its id. */
export interface SenderKey {
  value: string | number
  id: string
}

const likeEscape = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

// Names sort by their lower-cased bytes (COLLATE "C"): the same order on PGlite and on any Postgres
// server whatever its locale, which keyset paging needs (the page token compares in this order too).
const SORT_KEYS: Record<SenderSortColumn, SQL> = {
  CREATED: sql`s.created_at`,
  MODIFIED: sql`s.modified_at`,
  NAME: sql`(lower(s.display_name) COLLATE "C")`,
  STATE: sql`(CASE s.state WHEN 'DRAFT' THEN 0 WHEN 'IN_REVIEW' THEN 1 WHEN 'IN_TEST' THEN 2 WHEN 'LAUNCHING' THEN 3 WHEN 'LAUNCHED' THEN 4 WHEN 'REJECTED' THEN 5 WHEN 'FAILED' THEN 6 ELSE 7 END)`,
}

function keyParam(column: SenderSortColumn, value: string | number): SQL {
  if (column === 'CREATED' || column === 'MODIFIED') return sql`${String(value)}::timestamptz`
  if (column === 'STATE') return sql`${Number(value)}::int`
  return sql`(${String(value)} COLLATE "C")`
}

function where(f: SenderFilter): SQL {
  const parts: SQL[] = [sql`s.business_id = ${f.businessId}::uuid`, sql`s.deleted_at IS NULL`]
  if (f.states && f.states.length > 0) parts.push(sql`s.state IN (${sql.join(f.states.map((st) => sql`${st}`), sql`, `)})`)
  if (f.senderIds && f.senderIds.length > 0) parts.push(sql`s.id IN (${sql.join(f.senderIds.map((i) => sql`${i}::uuid`), sql`, `)})`)
  if (f.name && f.name.trim()) parts.push(sql`s.display_name ILIKE ${likeEscape(f.name.trim())}`)
  if (f.search && f.search.trim()) {
    const s = f.search.trim()
    const digits = s.replace(/\D/g, '')
    const alts: SQL[] = [sql`s.display_name ILIKE ${likeEscape(s)}`, sql`(s.details -> 'brand' ->> 'name') ILIKE ${likeEscape(s)}`]
    // Phones are stored as E.164, so "+44 20 7946" is searched as its digits.
    if (digits.length >= 3) alts.push(sql`s.phone LIKE ${likeEscape(digits)}`)
    parts.push(sql`(${sql.join(alts, sql` OR `)})`)
  }
  return sql.join(parts, sql` AND `)
}

interface RawSender {
  id: string
}

export function sendersRepo(h: Handle) {
  const byIds = async (ids: string[]): Promise<SenderRow[]> => {
    if (ids.length === 0) return []
    const rows = await h.db
      .select()
      .from(senders)
      .where(sql`${senders.id} IN (${sql.join(ids.map((i) => sql`${i}::uuid`), sql`, `)})`)
    const order = new Map(ids.map((id, i) => [id, i]))
    return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
  }

  return {
    async insert(row: SenderInsert): Promise<SenderRow> {
      const [s] = await h.db.insert(senders).values(row).returning()
      return s
    },

    async insertMany(rows: SenderInsert[]): Promise<number> {
      if (rows.length === 0) return 0
      const out = await h.db.insert(senders).values(rows).returning({ id: senders.id })
      return out.length
    },

    async addEvent(row: SenderEventInsert): Promise<void> {
      await h.db.insert(senderEvents).values(row)
    },

    async addEvents(rows: SenderEventInsert[]): Promise<void> {
      if (rows.length > 0) await h.db.insert(senderEvents).values(rows)
    },

    /** A sender of this business that has not been deleted. */
    async get(businessId: string, id: string): Promise<SenderRow | null> {
      const [s] = await h.db
        .select()
        .from(senders)
        .where(and(eq(senders.businessId, businessId), eq(senders.id, id), isNull(senders.deletedAt)))
      return s ?? null
    },

    /** By id alone, deleted or not: for the job, which already holds the id. */
    async byId(id: string): Promise<SenderRow | null> {
      const [s] = await h.db.select().from(senders).where(eq(senders.id, id))
      return s ?? null
    },

    /** The sender (deleted ones included) whose number this is, if the number came from provisioning. */
    /** The first sender of each number given (numbers without one are absent). */
    async byNumberIds(numberIds: string[]): Promise<SenderRow[]> {
      if (numberIds.length === 0) return []
      return h.db
        .selectDistinctOn([senders.numberId])
        .from(senders)
        .where(sql`${senders.numberId} = ANY(${pgArray(numberIds)}::uuid[])`)
        .orderBy(senders.numberId, asc(senders.createdAt))
    },
    async byNumberId(numberId: string): Promise<SenderRow | null> {
      const [s] = await h.db.select().from(senders).where(eq(senders.numberId, numberId)).orderBy(asc(senders.createdAt)).limit(1)
      return s ?? null
    },

    /**
     * One page in the given order, each row with its sort key as the database computed it (the page
     * token must hold exactly that value: lower() may case-fold differently from JavaScript).
     */
    async list(
      f: SenderFilter,
      sort: { column: SenderSortColumn; direction: SortDirection },
      after: SenderKey | undefined,
      limit: number,
    ): Promise<Array<{ row: SenderRow; key: string | number }>> {
      const key = SORT_KEYS[sort.column]
      const dir = sort.direction === 'ASC' ? sql`ASC` : sql`DESC`
      const cmp = sort.direction === 'ASC' ? sql`>` : sql`<`
      const conds = [where(f)]
      if (after) conds.push(sql`(${key}, s.id) ${cmp} (${keyParam(sort.column, after.value)}, ${after.id}::uuid)`)
      // Ids and keys first, then whole rows through Drizzle, so columns come back typed (Dates, jsonb) on both drivers.
      const page = await h.rows<{ id: string; k: string | number }>(sql`
        SELECT s.id, ${key} AS k FROM senders s
        WHERE ${sql.join(conds, sql` AND `)}
        ORDER BY ${key} ${dir}, s.id ${dir}
        LIMIT ${limit}`)
      const rows = await byIds(page.map((r) => r.id))
      return rows.map((row, i) => {
        const k = page[i].k
        // Times are carried as ISO strings from the typed row (raw timestamptz text differs by driver).
        const value = sort.column === 'CREATED' ? row.createdAt.toISOString() : sort.column === 'MODIFIED' ? row.modifiedAt.toISOString() : sort.column === 'STATE' ? Number(k) : String(k)
        return { row, key: value }
      })
    },

    async count(f: SenderFilter): Promise<number> {
      const [r] = await h.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM senders s WHERE ${where(f)}`)
      return Number(r?.n ?? 0)
    },

    /**
     * Changes a sender only while it is in one of `states` (and not deleted). Null when it is gone or
     * has moved on: the caller re-reads it to say why.
     */
    async updateIn(businessId: string | null, id: string, states: readonly string[], patch: SenderPatch): Promise<SenderRow | null> {
      const conds = [
        eq(senders.id, id),
        isNull(senders.deletedAt),
        sql`${senders.state} IN (${sql.join(states.map((s) => sql`${s}`), sql`, `)})`,
      ]
      if (businessId) conds.push(eq(senders.businessId, businessId))
      const [s] = await h.db
        .update(senders)
        .set(patch)
        .where(and(...conds))
        .returning()
      return s ?? null
    },

    /**
     * Claims senders whose review or launch is due (among those provisioned the ways this process can): pushes their due_at to `leaseUntil` so no other
     * process takes them meanwhile, and returns them. A claim that dies with its process is retaken
     * when the lease runs out, so a restart never loses a sender.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number, provisioners: readonly string[] = ['emulator', 'cloud']): Promise<SenderRow[]> {
      const ids = await h.rows<RawSender>(sql`
        UPDATE senders SET due_at = ${leaseUntil.toISOString()}::timestamptz
        WHERE id IN (
          SELECT id FROM senders
          WHERE due_at <= ${now.toISOString()}::timestamptz AND deleted_at IS NULL AND state IN ('IN_REVIEW', 'LAUNCHING')
            AND provisioner IN (${sql.join(provisioners.map((p) => sql`${p}`), sql`, `)})
          ORDER BY due_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id`)
      return byIds(ids.map((r) => r.id))
    },

    /** Links the number made for a sender, whatever its state: even a deleted sender keeps its number in check. */
    async linkNumber(id: string, numberId: string): Promise<void> {
      await h.db.update(senders).set({ numberId }).where(eq(senders.id, id))
    },

    async events(senderId: string): Promise<SenderEventRow[]> {
      return h.db.select().from(senderEvents).where(eq(senderEvents.senderId, senderId)).orderBy(asc(senderEvents.createdAt), asc(senderEvents.id))
    },
  }
}
