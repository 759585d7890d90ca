import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { FieldValue } from '../domain/custom-fields.js'
import { toDate } from './db.js'
import type { Handle } from './handle.js'
import { contactWhere, type ContactFilter, type TimeKey } from './contact-list-query.js'
import { contacts, contactTags, tags } from './schema/index.js'

export type ContactRow = typeof contacts.$inferSelect
export type ContactInsert = typeof contacts.$inferInsert
export type ContactPatch = Partial<Pick<ContactRow, 'phone' | 'name' | 'firstName' | 'lastName' | 'email' | 'language'>>

/** A row of a batched upsert (CSV import): undefined leaves a stored value as it is. */
export interface ContactUpsert {
  id: string
  phone: string
  name?: string
  firstName?: string
  lastName?: string
  email?: string
  language?: string
  fields: Record<string, FieldValue>
}

const live = (businessId: string, id: string) => and(eq(contacts.businessId, businessId), eq(contacts.id, id), isNull(contacts.erasedAt))

interface RawContact {
  id: string
  business_id: string
  phone: string | null
  wa_user_id: string | null
  username: string | null
  name: string | null
  first_name: string | null
  last_name: string | null
  email: string | null
  language: string | null
  fields: Record<string, unknown>
  opted_out: boolean
  opted_out_at: unknown
  opt_source: string | null
  opt_changed_at: unknown
  erased_at: unknown
  created_at: unknown
  updated_at: unknown
  created: boolean
}

function fromRaw(r: RawContact): ContactRow {
  return {
    id: r.id,
    businessId: r.business_id,
    phone: r.phone,
    waUserId: r.wa_user_id,
    username: r.username,
    name: r.name,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    language: r.language,
    fields: r.fields,
    optedOut: r.opted_out,
    optedOutAt: toDate(r.opted_out_at, true),
    optSource: r.opt_source,
    optChangedAt: toDate(r.opt_changed_at, true),
    erasedAt: toDate(r.erased_at, true),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  }
}

/** Whom a template send goes to: a phone on a number, with the contact and conversation made when new. */
export interface RecipientWanted {
  /** Unique within a batch: the answer comes back under it. */
  key: string
  businessId: string
  numberId: string
  phone: string
  name: string | null
  /** Ids to use if the contact or the conversation is new. */
  newContactId: string
  newConversationId: string
  /** No new conversation for a contact who opted out (a marketing send, which will be refused). */
  unlessOptedOut: boolean
}

export interface RecipientFound {
  key: string
  contact: ContactRow
  contactCreated: boolean
  /** Null only when `unlessOptedOut` held back a new conversation. */
  conversationId: string | null
}

export function contactsRepo(h: Handle) {
  return {
    /** Inserts unless the phone is taken; null means another contact has it. */
    async insert(row: ContactInsert): Promise<ContactRow | null> {
      const [c] = await h.db.insert(contacts).values(row).onConflictDoNothing({ target: [contacts.businessId, contacts.phone] }).returning()
      return c ?? null
    },
    async get(businessId: string, id: string): Promise<ContactRow | null> {
      const [c] = await h.db.select().from(contacts).where(live(businessId, id))
      return c ?? null
    },
    async byIds(ids: string[]): Promise<ContactRow[]> {
      if (ids.length === 0) return []
      return h.db.select().from(contacts).where(inArray(contacts.id, ids))
    },
    async byPhone(businessId: string, phone: string): Promise<ContactRow | null> {
      const [c] = await h.db.select().from(contacts).where(and(eq(contacts.businessId, businessId), eq(contacts.phone, phone)))
      return c ?? null
    },
    /** `fields` is merged into the stored ones; a null value removes that key. */
    async update(businessId: string, id: string, patch: ContactPatch, fields: Record<string, FieldValue | null> | null, at: Date): Promise<ContactRow | null> {
      const set: Record<string, unknown> = { ...patch, updatedAt: at }
      if (fields && Object.keys(fields).length > 0) set.fields = sql`jsonb_strip_nulls(${contacts.fields} || ${JSON.stringify(fields)}::jsonb)`
      const [c] = await h.db.update(contacts).set(set).where(live(businessId, id)).returning()
      return c ?? null
    },
    /** Erases personal data; the row stays as the pseudonymous owner of its conversations and messages. */
    async erase(businessId: string, id: string, at: Date): Promise<ContactRow | null> {
      const [c] = await h.db
        .update(contacts)
        .set({ phone: null, waUserId: null, username: null, name: null, firstName: null, lastName: null, email: null, language: null, fields: {}, erasedAt: at, updatedAt: at })
        .where(live(businessId, id))
        .returning()
      if (c) await h.db.delete(contactTags).where(eq(contactTags.contactId, id))
      return c ?? null
    },
    async setOpt(businessId: string, id: string, optedOut: boolean, source: string, at: Date): Promise<ContactRow | null> {
      const [c] = await h.db
        .update(contacts)
        .set({ optedOut, optedOutAt: optedOut ? at : null, optSource: source, optChangedAt: at, updatedAt: at })
        .where(live(businessId, id))
        .returning()
      return c ?? null
    },
    /**
     * For a batch of sends: each phone's contact and its conversation on the number, created when new, in
     * one statement (as findOrCreateByPhone, a known name fills an empty one). A recipient is missing
     * from the answer only when another transaction created its contact or conversation after this
     * statement's snapshot: ask again for those. Contacts and conversations are inserted in key order,
     * so two batches never wait on each other in a cycle.
     */
    async ensureRecipients(items: RecipientWanted[], at: Date): Promise<RecipientFound[]> {
      if (items.length === 0) return []
      const doc = JSON.stringify(items.map((i) => ({ k: i.key, b: i.businessId, n: i.numberId, c: i.newContactId, v: i.newConversationId, p: i.phone, name: i.name, u: i.unlessOptedOut })))
      const ts = at.toISOString()
      const rows = await h.rows<RawContact & { k: string; conversation_id: string | null }>(sql`
        WITH v AS (
          SELECT * FROM jsonb_to_recordset(${doc}::jsonb) AS x(k text, b uuid, n uuid, c uuid, v uuid, p text, name text, u boolean)
        ), vc AS (
          SELECT DISTINCT ON (b, p) b, p, c, name FROM v ORDER BY b, p, (name IS NULL), k
        ), ins AS (
          INSERT INTO contacts (id, business_id, phone, name, fields, created_at, updated_at)
          SELECT c, b, p, name, '{}'::jsonb, ${ts}::timestamptz, ${ts}::timestamptz FROM vc ORDER BY b, p
          ON CONFLICT (business_id, phone) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
            WHERE contacts.name IS NULL AND excluded.name IS NOT NULL
          RETURNING contacts.*, (xmax = 0) AS created
        ), found AS (
          SELECT * FROM ins
          UNION ALL
          SELECT c.*, false AS created FROM contacts c JOIN vc ON c.business_id = vc.b AND c.phone = vc.p
            WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = c.id)
        ), pairs AS (
          SELECT DISTINCT ON (v.n, f.id) v.v AS conv_id, v.b, v.n, f.id AS contact_id
            FROM v JOIN found f ON f.business_id = v.b AND f.phone = v.p
            WHERE NOT (v.u AND f.opted_out)
            ORDER BY v.n, f.id, v.k
        ), cv AS (
          INSERT INTO conversations (id, business_id, number_id, contact_id, created_at, updated_at)
          SELECT conv_id, b, n, contact_id, ${ts}::timestamptz, ${ts}::timestamptz FROM pairs ORDER BY n, contact_id
          ON CONFLICT (number_id, contact_id) DO NOTHING
          RETURNING id, number_id, contact_id
        )
        SELECT v.k, f.*, coalesce(cv.id, ec.id) AS conversation_id
          FROM v JOIN found f ON f.business_id = v.b AND f.phone = v.p
          LEFT JOIN cv ON cv.number_id = v.n AND cv.contact_id = f.id
          LEFT JOIN conversations ec ON ec.number_id = v.n AND ec.contact_id = f.id
          WHERE coalesce(cv.id, ec.id) IS NOT NULL OR (v.u AND f.opted_out)`)
      return rows.map((r) => ({ key: r.k, contact: fromRaw(r), contactCreated: r.created, conversationId: r.conversation_id }))
    },
    /**
     * The contact with this phone, created if new, in one statement and with no write when it exists
     * (inbound messages and sends call this on every message). A known name fills an empty one.
     */
    async findOrCreateByPhone(row: { id: string; businessId: string; phone: string; name: string | null; at: Date }): Promise<{ contact: ContactRow; created: boolean }> {
      const q = sql`
        WITH ins AS (
          INSERT INTO contacts (id, business_id, phone, name, fields, created_at, updated_at)
          VALUES (${row.id}::uuid, ${row.businessId}::uuid, ${row.phone}, ${row.name}, '{}'::jsonb, ${row.at.toISOString()}::timestamptz, ${row.at.toISOString()}::timestamptz)
          ON CONFLICT (business_id, phone) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
            WHERE contacts.name IS NULL AND excluded.name IS NOT NULL
          RETURNING *, (xmax = 0) AS created
        )
        SELECT * FROM ins
        UNION ALL
        SELECT c.*, false AS created FROM contacts c
          WHERE c.business_id = ${row.businessId}::uuid AND c.phone = ${row.phone} AND NOT EXISTS (SELECT 1 FROM ins)`
      for (let attempt = 0; attempt < 3; attempt++) {
        const [r] = await h.rows<RawContact>(q)
        // Empty only when another transaction inserted the phone after this statement's snapshot.
        if (r) return { contact: fromRaw(r), created: r.created }
      }
      throw new Error('findOrCreateByPhone: no row after retries')
    },
    /**
     * Upserts a batch (phones unique within it) with one multi-row INSERT … ON CONFLICT: existing
     * phones keep values the batch leaves out, and their fields are merged.
     */
    async upsertBatch(businessId: string, rows: ContactUpsert[], at: Date): Promise<Array<{ id: string; phone: string; created: boolean }>> {
      if (rows.length === 0) return []
      // The batch travels as one JSON parameter: thousands of bind parameters cost more to build, send
      // and plan than the insert itself.
      const doc = JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          phone: r.phone,
          name: r.name ?? null,
          first_name: r.firstName ?? null,
          last_name: r.lastName ?? null,
          email: r.email ?? null,
          language: r.language ?? null,
          fields: r.fields,
        })),
      )
      return h.rows<{ id: string; phone: string; created: boolean }>(sql`
        INSERT INTO contacts AS c (id, business_id, phone, name, first_name, last_name, email, language, fields, created_at, updated_at)
        SELECT x.id, ${businessId}::uuid, x.phone, x.name, x.first_name, x.last_name, x.email, x.language, coalesce(x.fields, '{}'::jsonb),
               ${at.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz
          FROM jsonb_to_recordset(${doc}::jsonb)
            AS x(id uuid, phone text, name text, first_name text, last_name text, email text, language text, fields jsonb)
        ON CONFLICT (business_id, phone) DO UPDATE SET
          name = coalesce(excluded.name, c.name),
          first_name = coalesce(excluded.first_name, c.first_name),
          last_name = coalesce(excluded.last_name, c.last_name),
          email = coalesce(excluded.email, c.email),
          language = coalesce(excluded.language, c.language),
          fields = c.fields || excluded.fields,
          updated_at = excluded.updated_at
        RETURNING c.id, c.phone, (c.xmax = 0) AS created`)
    },
    /**
     * A page of contacts with their tag names, newest first, in one round trip. NULLS LAST matches
     * contacts_business_created_idx, so a page reads only its rows; the tag subquery runs per row
     * returned, after the LIMIT.
     */
    async list(filter: ContactFilter, after: TimeKey | undefined, limit: number): Promise<Array<ContactRow & { tags: string[] }>> {
      const rows = await h.rows<RawContact & { tag_names: string[] | null }>(
        sql`SELECT c.*, false AS created,
              ARRAY(SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id ORDER BY lower(t.name)) AS tag_names
            FROM contacts c WHERE ${contactWhere(filter, after)}
            ORDER BY c.created_at DESC NULLS LAST, c.id DESC NULLS LAST LIMIT ${limit}`,
      )
      return rows.map((r) => ({ ...fromRaw(r), tags: r.tag_names ?? [] }))
    },
    /** Tag names of each contact, by contact id (alphabetical). */
    async tagNames(contactIds: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>(contactIds.map((id) => [id, []]))
      if (contactIds.length === 0) return out
      const rows = await h.db
        .select({ contactId: contactTags.contactId, name: tags.name })
        .from(contactTags)
        .innerJoin(tags, eq(tags.id, contactTags.tagId))
        .where(inArray(contactTags.contactId, contactIds))
        .orderBy(sql`lower(${tags.name})`)
      for (const r of rows) out.get(r.contactId)?.push(r.name)
      return out
    },
    async attachTags(pairs: Array<{ contactId: string; tagId: string }>, at: Date): Promise<void> {
      if (pairs.length === 0) return
      await h.db.insert(contactTags).values(pairs.map((p) => ({ ...p, createdAt: at }))).onConflictDoNothing()
    },
    async detachTag(contactId: string, tagId: string): Promise<boolean> {
      const r = await h.db.delete(contactTags).where(and(eq(contactTags.contactId, contactId), eq(contactTags.tagId, tagId))).returning({ t: contactTags.tagId })
      return r.length > 0
    },
    async detachAll(contactId: string): Promise<void> {
      await h.db.delete(contactTags).where(eq(contactTags.contactId, contactId))
    },
    /** Distinct stored values of one field with how many contacts hold each (type changes). */
    async fieldValues(businessId: string, key: string): Promise<Array<{ value: unknown; n: number }>> {
      return h.rows<{ value: unknown; n: number }>(
        sql`SELECT c.fields -> ${key} AS value, count(*)::int8 AS n FROM contacts c WHERE c.business_id = ${businessId}::uuid AND c.fields ? ${key} GROUP BY 1`,
      )
    },
    async replaceFieldValue(businessId: string, key: string, from: unknown, to: unknown): Promise<void> {
      await h.rows(
        sql`UPDATE contacts SET fields = jsonb_set(fields, ARRAY[${key}]::text[], ${JSON.stringify(to)}::jsonb)
            WHERE business_id = ${businessId}::uuid AND fields @> ${JSON.stringify({ [key]: from })}::jsonb`,
      )
    },
    async removeFieldKey(businessId: string, key: string): Promise<void> {
      await h.rows(sql`UPDATE contacts SET fields = fields - ${key} WHERE business_id = ${businessId}::uuid AND fields ? ${key}`)
    },
  }
}
