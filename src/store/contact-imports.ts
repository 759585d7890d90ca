import { and, eq, lt, sql } from 'drizzle-orm'
import type { Handle } from './handle.js'
import { contactImports } from './schema/index.js'

export type ContactImportRow = typeof contactImports.$inferSelect
export type ImportProblem = { row: number; column: string; problem: string }

export function contactImportsRepo(h: Handle) {
  return {
    async insert(row: typeof contactImports.$inferInsert): Promise<ContactImportRow> {
      const [r] = await h.db.insert(contactImports).values(row).returning()
      return r
    },
    async get(businessId: string, id: string): Promise<ContactImportRow | null> {
      const [r] = await h.db.select().from(contactImports).where(and(eq(contactImports.businessId, businessId), eq(contactImports.id, id)))
      return r ?? null
    },
    /** Adds one batch's counts; `problems` are appended (the caller caps how many are kept). */
    async addProgress(id: string, d: { bytesDone: number; rows: number; created: number; updated: number; invalid: number; problems: ImportProblem[] }, at: Date): Promise<void> {
      await h.db
        .update(contactImports)
        .set({
          heartbeatAt: at,
          bytesDone: d.bytesDone,
          rowsTotal: sql`${contactImports.rowsTotal} + ${d.rows}`,
          created: sql`${contactImports.created} + ${d.created}`,
          updated: sql`${contactImports.updated} + ${d.updated}`,
          invalid: sql`${contactImports.invalid} + ${d.invalid}`,
          ...(d.problems.length ? { errors: sql`${contactImports.errors} || ${JSON.stringify(d.problems)}::jsonb` } : {}),
        })
        .where(eq(contactImports.id, id))
    },
    /** The import is still being worked on (between batches that take long). */
    async beat(id: string, at: Date): Promise<void> {
      await h.db.update(contactImports).set({ heartbeatAt: at }).where(and(eq(contactImports.id, id), eq(contactImports.status, 'running')))
    },
    /** Marks a running import failed if its heartbeat is older than `staleBefore`; returns it when it did. */
    async failIfStale(id: string, staleBefore: Date, at: Date, failure: string): Promise<ContactImportRow | null> {
      const [r] = await h.db
        .update(contactImports)
        .set({ status: 'failed', finishedAt: at, failure })
        .where(and(eq(contactImports.id, id), eq(contactImports.status, 'running'), lt(sql`coalesce(${contactImports.heartbeatAt}, ${contactImports.createdAt})`, staleBefore)))
        .returning()
      return r ?? null
    },
    async finish(id: string, status: 'completed' | 'failed', at: Date, failure: string | null = null): Promise<ContactImportRow | null> {
      const [r] = await h.db.update(contactImports).set({ status, finishedAt: at, failure }).where(eq(contactImports.id, id)).returning()
      return r ?? null
    },
  }
}
