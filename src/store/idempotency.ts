import { and, eq, lt, sql } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { idempotencyKeys } from './schema/index.js'

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect

export function idempotencyRepo(h: Handle) {
  return {
    /**
     * Claims a key for a new request. Returns null when this request now owns the key; otherwise the
     * existing row. A claim whose owner died (lock expired, still in progress) is taken over.
     */
    async claim(row: {
      businessId: string
      key: string
      requestHash: string
      now: Date
      lockedUntil: Date
      expiresAt: Date
    }): Promise<IdempotencyRow | null> {
      const inserted = await h.db
        .insert(idempotencyKeys)
        .values({
          businessId: row.businessId,
          key: row.key,
          requestHash: row.requestHash,
          state: 'in_progress',
          lockedUntil: row.lockedUntil,
          createdAt: row.now,
          expiresAt: row.expiresAt,
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key })
      if (inserted.length > 0) return null
      // An expired record is reused as if new; a stale in-progress one with the same body is taken over.
      const [taken] = await h.db
        .update(idempotencyKeys)
        .set({
          requestHash: row.requestHash,
          state: 'in_progress',
          lockedUntil: row.lockedUntil,
          responseStatus: null,
          responseBody: null,
          createdAt: row.now,
          expiresAt: row.expiresAt,
        })
        .where(
          and(
            eq(idempotencyKeys.businessId, row.businessId),
            eq(idempotencyKeys.key, row.key),
            sql`(${idempotencyKeys.expiresAt} < ${row.now} OR (${idempotencyKeys.state} = 'in_progress' AND ${idempotencyKeys.lockedUntil} < ${row.now} AND ${idempotencyKeys.requestHash} = ${row.requestHash}))`,
          ),
        )
        .returning({ key: idempotencyKeys.key })
      if (taken) return null
      const [existing] = await h.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.businessId, row.businessId), eq(idempotencyKeys.key, row.key)))
      return existing ?? null
    },
    async complete(businessId: string, key: string, status: number, body: unknown): Promise<void> {
      await h.db
        .update(idempotencyKeys)
        .set({ state: 'done', responseStatus: status, responseBody: body as object })
        .where(and(eq(idempotencyKeys.businessId, businessId), eq(idempotencyKeys.key, key)))
    },
    /** Forgets a key whose request failed on our side, so the client's retry runs again. */
    async release(businessId: string, key: string): Promise<void> {
      await h.db
        .delete(idempotencyKeys)
        .where(
          and(eq(idempotencyKeys.businessId, businessId), eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, 'in_progress')),
        )
    },
    async purgeExpired(now: Date): Promise<number> {
      const rows = await h.db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now)).returning({ k: idempotencyKeys.key })
      return rows.length
    },
  }
}
