import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { pgArray, type Handle } from './handle.js'
import { apiKeys } from './schema/index.js'

export type ApiKeyRow = typeof apiKeys.$inferSelect

export function apiKeysRepo(h: Handle) {
  return {
    async insert(row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
      const [k] = await h.db.insert(apiKeys).values(row).returning()
      return k
    },
    async byHashes(keyHashes: string[]): Promise<ApiKeyRow[]> {
      if (keyHashes.length === 0) return []
      return h.db.select().from(apiKeys).where(sql`${apiKeys.keyHash} = ANY(${pgArray(keyHashes)}::text[])`)
    },
    async get(businessId: string, id: string): Promise<ApiKeyRow | null> {
      const [k] = await h.db.select().from(apiKeys).where(and(eq(apiKeys.businessId, businessId), eq(apiKeys.id, id)))
      return k ?? null
    },
    async list(businessId: string | null): Promise<ApiKeyRow[]> {
      const q = h.db.select().from(apiKeys)
      return (businessId ? q.where(eq(apiKeys.businessId, businessId)) : q).orderBy(desc(apiKeys.createdAt))
    },
    async revoke(businessId: string | null, id: string, at: Date): Promise<ApiKeyRow | null> {
      const where = businessId ? and(eq(apiKeys.id, id), eq(apiKeys.businessId, businessId)) : eq(apiKeys.id, id)
      const [k] = await h.db
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at})` })
        .where(where)
        .returning()
      return k ?? null
    },
    /** Records use at most once a minute per key, so hot keys do not turn every read into a write. */
    async touch(id: string, at: Date): Promise<void> {
      const minuteAgo = new Date(at.getTime() - 60_000)
      await h.db
        .update(apiKeys)
        .set({ lastUsedAt: at })
        .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, minuteAgo))))
    },
  }
}
