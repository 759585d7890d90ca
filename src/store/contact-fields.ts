import { and, asc, eq } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { contactFields } from './schema/index.js'

export type ContactFieldRow = typeof contactFields.$inferSelect

export function contactFieldsRepo(h: Handle) {
  return {
    /** Null when the business already has a field with that key. */
    async insert(row: typeof contactFields.$inferInsert): Promise<ContactFieldRow | null> {
      const [f] = await h.db.insert(contactFields).values(row).onConflictDoNothing().returning()
      return f ?? null
    },
    async get(businessId: string, key: string): Promise<ContactFieldRow | null> {
      const [f] = await h.db.select().from(contactFields).where(and(eq(contactFields.businessId, businessId), eq(contactFields.key, key)))
      return f ?? null
    },
    async list(businessId: string): Promise<ContactFieldRow[]> {
      return h.db.select().from(contactFields).where(eq(contactFields.businessId, businessId)).orderBy(asc(contactFields.createdAt), asc(contactFields.key))
    },
    async update(businessId: string, key: string, patch: Partial<Pick<ContactFieldRow, 'label' | 'type' | 'options' | 'updatedAt'>>): Promise<ContactFieldRow | null> {
      const [f] = await h.db.update(contactFields).set(patch).where(and(eq(contactFields.businessId, businessId), eq(contactFields.key, key))).returning()
      return f ?? null
    },
    async delete(businessId: string, key: string): Promise<boolean> {
      const r = await h.db.delete(contactFields).where(and(eq(contactFields.businessId, businessId), eq(contactFields.key, key))).returning({ k: contactFields.key })
      return r.length > 0
    },
  }
}
