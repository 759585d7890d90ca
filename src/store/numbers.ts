import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { pgArray, type Handle } from './handle.js'
import { numbers } from './schema/index.js'

// WhatsApp numbers (channels) of a business. Secrets arrive here already sealed by the service.

export type NumberRow = typeof numbers.$inferSelect
export type NumberInsert = typeof numbers.$inferInsert
export type NumberPatch = Partial<
  Pick<
    NumberRow,
    'name' | 'accessTokenEnc' | 'appSecretEnc' | 'verifyTokenEnc' | 'graphBaseUrl' | 'graphVersion' | 'throughputMps' | 'isDefault' | 'status' | 'statusReason'
  >
>

const mine = (businessId: string, id: string) => and(eq(numbers.businessId, businessId), eq(numbers.id, id))

export function numbersRepo(h: Handle) {
  return {
    /** Null when the phone_number_id is already connected (to this or another business). */
    async insert(row: NumberInsert): Promise<NumberRow | null> {
      const [n] = await h.db.insert(numbers).values(row).onConflictDoNothing({ target: numbers.phoneNumberId }).returning()
      return n ?? null
    },
    async get(businessId: string, id: string): Promise<NumberRow | null> {
      const [n] = await h.db.select().from(numbers).where(mine(businessId, id))
      return n ?? null
    },
    /** By id alone: for jobs and webhooks that already know the number is real. */
    async byId(id: string): Promise<NumberRow | null> {
      const [n] = await h.db.select().from(numbers).where(eq(numbers.id, id))
      return n ?? null
    },
    async list(businessId: string): Promise<NumberRow[]> {
      return h.db.select().from(numbers).where(eq(numbers.businessId, businessId)).orderBy(asc(numbers.createdAt), asc(numbers.id))
    },
    /** Every number of every business (the embedded emulator registers them at start). */
    async all(): Promise<NumberRow[]> {
      return h.db.select().from(numbers).orderBy(asc(numbers.createdAt))
    },
    async count(businessId: string): Promise<number> {
      const [r] = await h.db.select({ n: sql<number>`count(*)::int` }).from(numbers).where(eq(numbers.businessId, businessId))
      return r?.n ?? 0
    },
    /** The default number of each business given (at most one each: a partial unique index). */
    async defaultsFor(businessIds: string[]): Promise<NumberRow[]> {
      return h.db.select().from(numbers).where(and(sql`${numbers.businessId} = ANY(${pgArray(businessIds)}::uuid[])`, eq(numbers.isDefault, true)))
    },
    async byIds(ids: string[]): Promise<NumberRow[]> {
      return h.db.select().from(numbers).where(sql`${numbers.id} = ANY(${pgArray(ids)}::uuid[])`)
    },
    /** Clears the default flag on every other number (the partial unique index allows one default). */
    async unsetDefault(businessId: string, exceptId: string | null, at: Date): Promise<void> {
      const where = exceptId
        ? and(eq(numbers.businessId, businessId), eq(numbers.isDefault, true), ne(numbers.id, exceptId))
        : and(eq(numbers.businessId, businessId), eq(numbers.isDefault, true))
      await h.db.update(numbers).set({ isDefault: false, updatedAt: at }).where(where)
    },
    async update(businessId: string, id: string, patch: NumberPatch, at: Date): Promise<NumberRow | null> {
      const [n] = await h.db.update(numbers).set({ ...patch, updatedAt: at }).where(mine(businessId, id)).returning()
      return n ?? null
    },
    async delete(businessId: string, id: string): Promise<NumberRow | null> {
      const [n] = await h.db.delete(numbers).where(mine(businessId, id)).returning()
      return n ?? null
    },
    /** The oldest remaining number of a business becomes its default (after the default was deleted). */
    async promoteOldest(businessId: string, at: Date): Promise<void> {
      await h.db.execute(sql`
        UPDATE numbers SET is_default = true, updated_at = ${at}
        WHERE id = (SELECT id FROM numbers WHERE business_id = ${businessId} ORDER BY created_at, id LIMIT 1)
          AND NOT EXISTS (SELECT 1 FROM numbers WHERE business_id = ${businessId} AND is_default)`)
    },
    async byPhoneNumberId(phoneNumberId: string): Promise<NumberRow | null> {
      const [n] = await h.db.select().from(numbers).where(eq(numbers.phoneNumberId, phoneNumberId))
      return n ?? null
    },
    async byWaba(wabaId: string): Promise<NumberRow[]> {
      return h.db.select().from(numbers).where(eq(numbers.wabaId, wabaId)).orderBy(asc(numbers.createdAt))
    },
    async setStatus(id: string, status: 'connected' | 'disconnected', reason: string | null, at: Date): Promise<NumberRow | null> {
      const [n] = await h.db.update(numbers).set({ status, statusReason: reason, updatedAt: at }).where(eq(numbers.id, id)).returning()
      return n ?? null
    },
  }
}
