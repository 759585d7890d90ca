import { and, eq, gt, lt, sql } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { loginFailures, members, sessions } from './schema/index.js'
import type { MemberRow } from './members.js'

export type SessionRow = typeof sessions.$inferSelect
export type LoginFailureRow = typeof loginFailures.$inferSelect

export function sessionsRepo(h: Handle) {
  return {
    async insert(row: typeof sessions.$inferInsert): Promise<SessionRow> {
      const [s] = await h.db.insert(sessions).values(row).returning()
      return s
    },
    /** A live session and its member, in one query (runs on every request a member makes). */
    async live(tokenHash: string, now: Date): Promise<{ session: SessionRow; member: MemberRow } | null> {
      const [r] = await h.db
        .select({ session: sessions, member: members })
        .from(sessions)
        .innerJoin(members, eq(members.id, sessions.memberId))
        .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
      return r ?? null
    },
    /** Slides the expiry at most once a minute, so every request is not a write. */
    async touch(id: string, now: Date, expiresAt: Date): Promise<void> {
      await h.db
        .update(sessions)
        .set({ lastSeenAt: now, expiresAt })
        .where(and(eq(sessions.id, id), lt(sessions.lastSeenAt, new Date(now.getTime() - 60_000))))
    },
    async delete(tokenHash: string): Promise<void> {
      await h.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash))
    },
    async deleteForMember(memberId: string): Promise<void> {
      await h.db.delete(sessions).where(eq(sessions.memberId, memberId))
    },

    async failures(keys: string[]): Promise<LoginFailureRow[]> {
      if (keys.length === 0) return []
      return h.db.select().from(loginFailures).where(sql`${loginFailures.key} IN (${sql.join(keys.map((k) => sql`${k}`), sql`, `)})`)
    },
    /** Counts a failure; a streak older than `windowStart` starts again at one. */
    async recordFailure(key: string, at: Date, windowStart: Date): Promise<void> {
      await h.db
        .insert(loginFailures)
        .values({ key, count: 1, firstAt: at, lastAt: at })
        .onConflictDoUpdate({
          target: loginFailures.key,
          set: {
            count: sql`CASE WHEN ${loginFailures.lastAt} < ${windowStart} THEN 1 ELSE ${loginFailures.count} + 1 END`,
            firstAt: sql`CASE WHEN ${loginFailures.lastAt} < ${windowStart} THEN excluded.first_at ELSE ${loginFailures.firstAt} END`,
            lastAt: at,
          },
        })
    },
    async clearFailures(key: string): Promise<void> {
      await h.db.delete(loginFailures).where(eq(loginFailures.key, key))
    },
  }
}
