import { and, desc, eq, lt, notInArray, or, sql } from 'drizzle-orm'
import { pgArray, type Handle } from './handle.js'
import { templates } from './schema/index.js'

export type TemplateRow = typeof templates.$inferSelect
export type TemplateInsert = typeof templates.$inferInsert

export interface TemplateFilter {
  businessId: string
  numberId?: string
  status?: string
  name?: string
  category?: string
  language?: string
}

export interface TemplateKey {
  t: Date
  id: string
}

/** What a provider listing says about one template (sync). */
export interface SyncedTemplate {
  name: string
  language: string
  category: string
  status: string
  statusReason: string | null
  body: string
  header: Record<string, unknown> | null
  footer: string | null
  buttons: Array<Record<string, unknown>>
  variables: string[]
  providerTemplateId: string
}

export function templatesRepo(h: Handle) {
  return {
    /** Null when the number already has a template of that name and language. */
    async insert(row: TemplateInsert): Promise<TemplateRow | null> {
      const [t] = await h.db.insert(templates).values(row).onConflictDoNothing().returning()
      return t ?? null
    },

    async get(businessId: string, id: string): Promise<TemplateRow | null> {
      const [t] = await h.db.select().from(templates).where(and(eq(templates.businessId, businessId), eq(templates.id, id)))
      return t ?? null
    },

    /** Every language of a template name on one number. */
    /** Every language of each (number, name) asked, in one statement. */
    async byNames(keys: Array<{ numberId: string; name: string }>): Promise<TemplateRow[]> {
      if (keys.length === 0) return []
      return h.db
        .select()
        .from(templates)
        .where(
          sql`(${templates.numberId}, ${templates.name}) IN (SELECT * FROM unnest(${pgArray(keys.map((k) => k.numberId))}::uuid[], ${pgArray(keys.map((k) => k.name))}::text[]))`,
        )
        .orderBy(templates.language)
    },

    async list(f: TemplateFilter, after: TemplateKey | undefined, limit: number): Promise<TemplateRow[]> {
      return h.db
        .select()
        .from(templates)
        .where(
          and(
            eq(templates.businessId, f.businessId),
            f.numberId ? eq(templates.numberId, f.numberId) : undefined,
            f.status ? eq(templates.status, f.status) : undefined,
            f.name ? eq(templates.name, f.name) : undefined,
            f.category ? eq(templates.category, f.category) : undefined,
            f.language ? eq(templates.language, f.language) : undefined,
            after ? or(lt(templates.createdAt, after.t), and(eq(templates.createdAt, after.t), lt(templates.id, after.id))) : undefined,
          ),
        )
        .orderBy(desc(templates.createdAt), desc(templates.id))
        .limit(limit)
    },

    async setProviderResult(id: string, providerTemplateId: string, status: string, at: Date): Promise<TemplateRow | null> {
      const [t] = await h.db.update(templates).set({ providerTemplateId, status, updatedAt: at }).where(eq(templates.id, id)).returning()
      return t ?? null
    },

    async delete(businessId: string, id: string): Promise<boolean> {
      const rows = await h.db.delete(templates).where(and(eq(templates.businessId, businessId), eq(templates.id, id))).returning({ id: templates.id })
      return rows.length > 0
    },

    /** Deletes every language of a name on the number's WABA (Meta deletes by name). */
    async deleteByName(wabaId: string, businessId: string, name: string): Promise<number> {
      const rows = await h.db
        .delete(templates)
        .where(and(eq(templates.wabaId, wabaId), eq(templates.businessId, businessId), eq(templates.name, name)))
        .returning({ id: templates.id })
      return rows.length
    },

    /**
     * Makes the number's templates match the provider's list: upserts each by (number, name, language)
     * and removes the ones the provider no longer has. Returns counts.
     */
    async syncNumber(
      businessId: string,
      numberId: string,
      wabaId: string,
      list: SyncedTemplate[],
      newId: () => string,
      at: Date,
    ): Promise<{ created: number; updated: number; removed: number }> {
      let created = 0
      let updated = 0
      for (const t of list) {
        const [r] = await h.db
          .insert(templates)
          .values({ id: newId(), businessId, numberId, wabaId, ...t, examples: {}, createdAt: at, updatedAt: at })
          .onConflictDoUpdate({
            target: [templates.numberId, templates.name, templates.language],
            set: {
              category: sql.raw('excluded.category'),
              status: sql.raw('excluded.status'),
              statusReason: sql.raw('excluded.status_reason'),
              body: sql.raw('excluded.body'),
              header: sql.raw('excluded.header'),
              footer: sql.raw('excluded.footer'),
              buttons: sql.raw('excluded.buttons'),
              variables: sql.raw('excluded.variables'),
              providerTemplateId: sql.raw('excluded.provider_template_id'),
              updatedAt: sql.raw('excluded.updated_at'),
            },
          })
          .returning({ created: sql<boolean>`(xmax = 0)` })
        if (r?.created) created++
        else updated++
      }
      const keep = list.map((t) => t.providerTemplateId)
      const removed = await h.db
        .delete(templates)
        .where(
          and(
            eq(templates.numberId, numberId),
            sql`${templates.providerTemplateId} IS NOT NULL`,
            keep.length ? notInArray(templates.providerTemplateId, keep) : undefined,
          ),
        )
        .returning({ id: templates.id })
      return { created, updated, removed: removed.length }
    },
  }
}
