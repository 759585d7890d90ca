import { sql, type SQL } from 'drizzle-orm'
import type { FieldValue } from '../domain/custom-fields.js'

// The WHERE clause of a contact list (and export): one builder so both filter alike. Every value is a
// bound parameter; field keys are checked against the business's fields before they get here.

export interface ContactFilter {
  businessId: string
  /** Partial name or phone. */
  search?: string
  /** Tag ids; `all` needs every one, `any` at least one. An empty `ids` with `impossible` matches nothing. */
  tags?: { ids: string[]; match: 'all' | 'any'; impossible?: boolean }
  fieldEquals?: Array<{ key: string; value: FieldValue }>
  fieldRanges?: Array<{ key: string; op: 'gt' | 'lt'; kind: 'number' | 'date'; value: number | string }>
  optedOut?: boolean
}

export interface TimeKey {
  createdAt: Date
  id: string
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)
const inList = (ids: string[]) => sql.join(ids.map((i) => sql`${i}::uuid`), sql`, `)

export function contactWhere(f: ContactFilter, after?: TimeKey): SQL {
  const parts: SQL[] = [sql`c.business_id = ${f.businessId}::uuid`, sql`c.erased_at IS NULL`]
  if (f.search && f.search.trim()) {
    const s = f.search.trim()
    const digits = s.replace(/\D/g, '')
    // Text with letters can only be a name; digits (with any formatting: "+1 (415) 555") only a phone,
    // stored as E.164. Searching one column lets the planner use that column's trigram index alone.
    if (/\p{L}/u.test(s) || digits.length < 2) parts.push(sql`c.name ILIKE ${`%${likeEscape(s)}%`}`)
    else parts.push(sql`c.phone LIKE ${`%${digits}%`}`)
  }
  if (f.tags) {
    if (f.tags.impossible) parts.push(sql`false`)
    else if (f.tags.ids.length > 0 && f.tags.match === 'any') {
      parts.push(sql`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag_id IN (${inList(f.tags.ids)}))`)
    } else {
      for (const id of f.tags.ids) parts.push(sql`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag_id = ${id}::uuid)`)
    }
  }
  if (f.fieldEquals && f.fieldEquals.length > 0) {
    // One containment test for all equalities: served by the jsonb_path_ops GIN index.
    const doc = Object.fromEntries(f.fieldEquals.map((e) => [e.key, e.value]))
    parts.push(sql`c.fields @> ${JSON.stringify(doc)}::jsonb`)
  }
  for (const r of f.fieldRanges ?? []) {
    const op = r.op === 'gt' ? sql`>` : sql`<`
    if (r.kind === 'number') {
      // CASE guards the cast: the planner may evaluate conditions in any order.
      parts.push(sql`(CASE WHEN jsonb_typeof(c.fields -> ${r.key}) = 'number' THEN (c.fields ->> ${r.key})::numeric END) ${op} ${String(r.value)}::numeric`)
    } else {
      // Dates are stored as YYYY-MM-DD or ISO 8601 UTC, so text order is time order.
      parts.push(sql`(CASE WHEN jsonb_typeof(c.fields -> ${r.key}) = 'string' THEN c.fields ->> ${r.key} END) ${op} ${String(r.value)}`)
    }
  }
  if (f.optedOut !== undefined) parts.push(sql`c.opted_out = ${f.optedOut}`)
  if (after) parts.push(sql`(c.created_at, c.id) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`)
  return sql.join(parts, sql` AND `)
}
