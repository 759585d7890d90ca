import { eq } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { businesses } from './schema/index.js'

export type Business = typeof businesses.$inferSelect

export function businessesRepo(h: Handle) {
  return {
    async insert(row: typeof businesses.$inferInsert): Promise<Business> {
      const [b] = await h.db.insert(businesses).values(row).returning()
      return b
    },
    async get(id: string): Promise<Business | null> {
      const [b] = await h.db.select().from(businesses).where(eq(businesses.id, id))
      return b ?? null
    },
    async list(): Promise<Business[]> {
      return h.db.select().from(businesses).orderBy(businesses.createdAt)
    },
  }
}
