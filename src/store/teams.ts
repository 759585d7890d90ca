import { and, asc, eq, inArray } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { teamMembers, teams } from './schema/index.js'

export type TeamRow = typeof teams.$inferSelect
export type TeamWithMembers = TeamRow & { memberIds: string[] }

export function teamsRepo(h: Handle) {
  async function withMembers(rows: TeamRow[]): Promise<TeamWithMembers[]> {
    if (rows.length === 0) return []
    const links = await h.db
      .select()
      .from(teamMembers)
      .where(inArray(teamMembers.teamId, rows.map((r) => r.id)))
      .orderBy(asc(teamMembers.memberId))
    return rows.map((r) => ({ ...r, memberIds: links.filter((l) => l.teamId === r.id).map((l) => l.memberId) }))
  }
  return {
    /** Null when the business already has a team of that name (any case). */
    async insert(row: typeof teams.$inferInsert): Promise<TeamRow | null> {
      const [t] = await h.db.insert(teams).values(row).onConflictDoNothing().returning()
      return t ?? null
    },
    async get(businessId: string, id: string): Promise<TeamWithMembers | null> {
      const rows = await h.db.select().from(teams).where(and(eq(teams.businessId, businessId), eq(teams.id, id)))
      return (await withMembers(rows))[0] ?? null
    },
    async list(businessId: string): Promise<TeamWithMembers[]> {
      return withMembers(await h.db.select().from(teams).where(eq(teams.businessId, businessId)).orderBy(asc(teams.name)))
    },
    /** Throws a unique violation (23505) when the new name is taken. */
    async update(businessId: string, id: string, patch: { name?: string; updatedAt: Date }): Promise<TeamRow | null> {
      const [t] = await h.db.update(teams).set(patch).where(and(eq(teams.businessId, businessId), eq(teams.id, id))).returning()
      return t ?? null
    },
    async setMembers(teamId: string, memberIds: string[]): Promise<void> {
      await h.db.delete(teamMembers).where(eq(teamMembers.teamId, teamId))
      if (memberIds.length > 0) await h.db.insert(teamMembers).values(memberIds.map((memberId) => ({ teamId, memberId }))).onConflictDoNothing()
    },
    async delete(businessId: string, id: string): Promise<boolean> {
      const r = await h.db.delete(teams).where(and(eq(teams.businessId, businessId), eq(teams.id, id))).returning({ id: teams.id })
      return r.length > 0
    },
  }
}
