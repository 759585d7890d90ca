import { parseFieldText, type FieldDef, type FieldValue } from './custom-fields.js'
import type { FieldProblem } from './errors.js'
import { normalizePhone } from './phone.js'

// The CSV shape of contacts, shared by import and export so an export imports back unchanged.
// An empty cell means "no value": on import it leaves what is stored as it is.

export const BASE_COLUMNS = ['phone', 'name', 'first_name', 'last_name', 'email', 'language', 'tags'] as const
export const TAG_SEPARATOR = ';'
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const MAX_TEXT = 200

export interface CsvContact {
  phone: string
  name?: string
  firstName?: string
  lastName?: string
  email?: string
  language?: string
  tags: string[]
  fields: Record<string, FieldValue>
}

export interface CsvRowProblem {
  row: number
  column: string
  problem: string
}

/** Checks the header: a phone column, and every other column known. Returns the problems found. */
export function checkHeader(columns: string[], fields: ReadonlyMap<string, FieldDef>): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (!columns.includes('phone')) problems.push({ field: 'phone', problem: 'column is missing; the first line must name the columns and include phone' })
  const seen = new Set<string>()
  for (const c of columns) {
    if (seen.has(c)) problems.push({ field: c, problem: 'column appears twice' })
    seen.add(c)
    if (!(BASE_COLUMNS as readonly string[]).includes(c) && !fields.has(c)) {
      problems.push({ field: c, problem: 'column is neither a contact column nor a custom field key; create the field first or remove the column' })
    }
  }
  return problems
}

export function splitTags(cell: string): string[] {
  return [...new Set(cell.split(TAG_SEPARATOR).map((t) => t.trim()).filter(Boolean))]
}

/** One CSV record (already keyed by column) → a contact to upsert, or the problems with it. */
export function readCsvRow(
  row: number,
  record: Record<string, string>,
  fields: ReadonlyMap<string, FieldDef>,
): { ok: true; contact: CsvContact } | { ok: false; problems: CsvRowProblem[] } {
  const problems: CsvRowProblem[] = []
  const cell = (c: string) => (record[c] ?? '').trim()
  const phone = normalizePhone(cell('phone'))
  if (!phone.ok) problems.push({ row, column: 'phone', problem: `phone ${phone.problem}` })
  const contact: CsvContact = { phone: phone.ok ? phone.e164 : '', tags: [], fields: {} }
  const text = (c: 'name' | 'first_name' | 'last_name' | 'language') => {
    const v = cell(c)
    if (v.length > MAX_TEXT) problems.push({ row, column: c, problem: `is longer than ${MAX_TEXT} characters` })
    return v || undefined
  }
  contact.name = text('name')
  contact.firstName = text('first_name')
  contact.lastName = text('last_name')
  contact.language = text('language')
  const email = cell('email')
  if (email && !EMAIL.test(email)) problems.push({ row, column: 'email', problem: 'is not an email address' })
  else if (email) contact.email = email
  contact.tags = splitTags(cell('tags'))
  for (const t of contact.tags) if (t.length > 64) problems.push({ row, column: 'tags', problem: `tag "${t.slice(0, 20)}…" is longer than 64 characters` })
  for (const [key, def] of fields) {
    const v = cell(key)
    if (v === '') continue
    const r = parseFieldText(def, v)
    if (r.ok) contact.fields[key] = r.value
    else problems.push({ row, column: key, problem: r.problem })
  }
  return problems.length ? { ok: false, problems } : { ok: true, contact }
}

export function isEmail(v: string): boolean {
  return EMAIL.test(v)
}
