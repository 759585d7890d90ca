import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { members } from './schema/index.js'

export type MemberRow = typeof members.$inferSelect

export function membersRepo(h: Handle) {
  return {
    /** Null when the email is taken (emails are unique across businesses: login is by email). */
    async insert(row: typeof members.$inferInsert): Promise<MemberRow | null> {
      const [m] = await h.db.insert(members).values(row).onConflictDoNothing().returning()
      return m ?? null
    },
    async get(businessId: string, id: string): Promise<MemberRow | null> {
      const [m] = await h.db.select().from(members).where(and(eq(members.businessId, businessId), eq(members.id, id)))
      return m ?? null
    },
    async byEmail(email: string): Promise<MemberRow | null> {
      const [m] = await h.db.select().from(members).where(sql`lower(${members.email}) = lower(${email})`)
      return m ?? null
    },
    async byInviteHash(hash: string): Promise<MemberRow | null> {
      const [m] = await h.db.select().from(members).where(eq(members.inviteTokenHash, hash))
      return m ?? null
    },
    async list(businessId: string): Promise<MemberRow[]> {
      return h.db.select().from(members).where(eq(members.businessId, businessId)).orderBy(asc(members.createdAt), asc(members.id))
    },
    async existing(businessId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const rows = await h.db.select({ id: members.id }).from(members).where(and(eq(members.businessId, businessId), inArray(members.id, ids)))
      return new Set(rows.map((r) => r.id))
    },
    /**
     * The business's owners, locked until the transaction ends, so two concurrent demotions cannot
     * both see "another owner remains" and leave none.
     */
    async lockOwners(businessId: string): Promise<string[]> {
      const rows = await h.rows<{ id: string }>(
        sql`SELECT id FROM members WHERE business_id = ${businessId}::uuid AND role = 'owner' ORDER BY id FOR UPDATE`,
      )
      return rows.map((r) => r.id)
    },
    /** Throws a unique violation (23505) when the new email is taken. */
    async update(businessId: string, id: string, patch: Partial<Pick<MemberRow, 'name' | 'email' | 'role' | 'passwordHash' | 'inviteTokenHash' | 'inviteExpiresAt' | 'updatedAt'>>): Promise<MemberRow | null> {
      const [m] = await h.db.update(members).set(patch).where(and(eq(members.businessId, businessId), eq(members.id, id))).returning()
      return m ?? null
    },
    async delete(businessId: string, id: string): Promise<boolean> {
      const r = await h.db.delete(members).where(and(eq(members.businessId, businessId), eq(members.id, id))).returning({ id: members.id })
      return r.length > 0
    },
  }
}
