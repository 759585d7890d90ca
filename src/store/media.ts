import { and, eq } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { media } from './schema/index.js'

// Media metadata: what customers sent (origin inbound, stored with their message) and what the business
// uploaded for sends (origin upload). The bytes live at the provider, cached on disk by the service.

export type MediaRow = typeof media.$inferSelect

export function mediaRepo(h: Handle) {
  return {
    async insert(row: typeof media.$inferInsert): Promise<MediaRow> {
      const [m] = await h.db.insert(media).values(row).returning()
      return m
    },
    async get(businessId: string, id: string): Promise<MediaRow | null> {
      const [m] = await h.db.select().from(media).where(and(eq(media.businessId, businessId), eq(media.id, id)))
      return m ?? null
    },
    /** Size and checksum learnt at the first download. */
    async recordDownload(id: string, sizeBytes: number, sha256: string | null): Promise<void> {
      await h.db.update(media).set({ sizeBytes, ...(sha256 ? { sha256 } : {}) }).where(eq(media.id, id))
    },
  }
}
