import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { contactTags, tags } from './schema/index.js'

export type TagRow = typeof tags.$inferSelect
export type TagWithCount = TagRow & { contactCount: number }

const counted = {
  id: tags.id,
  businessId: tags.businessId,
  name: tags.name,
  color: tags.color,
  createdAt: tags.createdAt,
  contactCount: sql<number>`(SELECT count(*) FROM ${contactTags} ct WHERE ct.tag_id = ${tags.id})::int8`.mapWith(Number),
}

export function tagsRepo(h: Handle) {
  return {
    /** Null when the business already has a tag of that name (any case). */
    async insert(row: typeof tags.$inferInsert): Promise<TagRow | null> {
      const [t] = await h.db.insert(tags).values(row).onConflictDoNothing().returning()
      return t ?? null
    },
    async get(businessId: string, id: string): Promise<TagWithCount | null> {
      const [t] = await h.db.select(counted).from(tags).where(and(eq(tags.businessId, businessId), eq(tags.id, id)))
      return t ?? null
    },
    async byName(businessId: string, name: string): Promise<TagRow | null> {
      const [t] = await h.db.select().from(tags).where(and(eq(tags.businessId, businessId), sql`lower(${tags.name}) = lower(${name})`))
      return t ?? null
    },
    /** Ids of the named tags that exist (case-insensitive), by lower-case name. */
    async idsByName(businessId: string, names: string[]): Promise<Map<string, string>> {
      if (names.length === 0) return new Map()
      const lower = [...new Set(names.map((n) => n.toLowerCase()))]
      const rows = await h.db
        .select({ id: tags.id, name: tags.name })
        .from(tags)
        .where(and(eq(tags.businessId, businessId), inArray(sql`lower(${tags.name})`, lower)))
      return new Map(rows.map((r) => [r.name.toLowerCase(), r.id]))
    },
    /** Creates the tags that do not exist yet (one statement), then returns every id by lower-case name. */
    async ensure(businessId: string, names: string[], newId: () => string, at: Date): Promise<Map<string, string>> {
      if (names.length === 0) return new Map()
      const byLower = new Map<string, string>()
      for (const n of names) if (!byLower.has(n.toLowerCase())) byLower.set(n.toLowerCase(), n)
      await h.db
        .insert(tags)
        .values([...byLower.values()].map((name) => ({ id: newId(), businessId, name, createdAt: at })))
        .onConflictDoNothing()
      return this.idsByName(businessId, [...byLower.keys()])
    },
    async list(businessId: string, after: { name: string; id: string } | undefined, limit: number): Promise<TagWithCount[]> {
      const cond = after
        ? and(eq(tags.businessId, businessId), sql`(lower(${tags.name}), ${tags.id}) > (lower(${after.name}), ${after.id}::uuid)`)
        : eq(tags.businessId, businessId)
      return h.db.select(counted).from(tags).where(cond).orderBy(sql`lower(${tags.name})`, tags.id).limit(limit)
    },
    /** Null when not found; throws a unique violation (23505) when the new name is taken. */
    async update(businessId: string, id: string, patch: { name?: string; color?: string | null }): Promise<TagRow | null> {
      const [t] = await h.db.update(tags).set(patch).where(and(eq(tags.businessId, businessId), eq(tags.id, id))).returning()
      return t ?? null
    },
    /** Deleting a tag detaches it from every contact (ON DELETE CASCADE). */
    async delete(businessId: string, id: string): Promise<boolean> {
      const r = await h.db.delete(tags).where(and(eq(tags.businessId, businessId), eq(tags.id, id))).returning({ id: tags.id })
      return r.length > 0
    },
  }
}
