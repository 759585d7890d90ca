import type { FieldProblem } from './errors.js'

// Custom contact fields: what a field may hold and how a value is checked and normalised before it is
// stored. Pure functions; the contact services call them on every write (API, CSV import, inbound).

export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'enum'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export const FIELD_KEY = /^[a-z][a-z0-9_]{0,63}$/
export const MAX_STRING_VALUE = 1000
export const MAX_ENUM_OPTIONS = 200

export interface FieldDef {
  key: string
  type: FieldType
  options: string[] | null
}

/** Stored values: strings, finite numbers, booleans, dates as `YYYY-MM-DD` or ISO 8601 UTC. */
export type FieldValue = string | number | boolean

export type FieldCheck = { ok: true; value: FieldValue } | { ok: false; problem: string }

export function isFieldType(v: string): v is FieldType {
  return (FIELD_TYPES as readonly string[]).includes(v)
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** A calendar date stays `YYYY-MM-DD`; a date-time becomes ISO 8601 UTC, so text order is time order. */
export function normaliseDate(raw: string): string | null {
  const s = raw.trim()
  const m = DATE_ONLY.exec(s)
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? s : null
  }
  if (!DATE_TIME.test(s)) return null
  const t = Date.parse(s)
  return Number.isNaN(t) ? null : new Date(t).toISOString()
}

export function expectedType(def: FieldDef): string {
  switch (def.type) {
    case 'string':
      return `a string of at most ${MAX_STRING_VALUE} characters`
    case 'number':
      return 'a number'
    case 'boolean':
      return 'true or false'
    case 'date':
      return 'a date as YYYY-MM-DD or an ISO 8601 date-time'
    case 'enum':
      return `one of ${(def.options ?? []).map((o) => JSON.stringify(o)).join(', ')}`
  }
}

/** Checks a JSON value against its field. */
export function checkFieldValue(def: FieldDef, value: unknown): FieldCheck {
  const bad: FieldCheck = { ok: false, problem: `must be ${expectedType(def)} (field type ${def.type})` }
  switch (def.type) {
    case 'string':
      return typeof value === 'string' && value.length <= MAX_STRING_VALUE ? { ok: true, value } : bad
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : bad
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : bad
    case 'date': {
      const d = typeof value === 'string' ? normaliseDate(value) : null
      return d ? { ok: true, value: d } : bad
    }
    case 'enum':
      return typeof value === 'string' && (def.options ?? []).includes(value) ? { ok: true, value } : bad
  }
}

const TRUE = new Set(['true', 'yes', 'y', '1'])
const FALSE = new Set(['false', 'no', 'n', '0'])

/** Reads a value written as text (a CSV cell, a query string) into its field's type, then checks it. */
export function parseFieldText(def: FieldDef, text: string): FieldCheck {
  const s = text.trim()
  switch (def.type) {
    case 'number': {
      const n = s === '' ? Number.NaN : Number(s)
      return checkFieldValue(def, Number.isFinite(n) ? n : s)
    }
    case 'boolean': {
      const l = s.toLowerCase()
      return checkFieldValue(def, TRUE.has(l) ? true : FALSE.has(l) ? false : s)
    }
    default:
      return checkFieldValue(def, s)
  }
}

/** Writes a stored value as text (CSV export), so that `parseFieldText` reads it back unchanged. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Checks a map of field values against the business's fields. `null` removes a value. Every problem is
 * returned, each naming the field (`fields.<key>`) and the type it expects.
 */
export function checkFieldValues(
  defs: ReadonlyMap<string, FieldDef>,
  values: Record<string, unknown>,
): { values: Record<string, FieldValue | null>; problems: FieldProblem[] } {
  const out: Record<string, FieldValue | null> = {}
  const problems: FieldProblem[] = []
  for (const [key, value] of Object.entries(values)) {
    const def = defs.get(key)
    if (!def) {
      problems.push({ field: `fields.${key}`, problem: 'is not a custom field of this business; create it first with POST /v1/contact-fields' })
      continue
    }
    if (value === null) {
      out[key] = null
      continue
    }
    const r = checkFieldValue(def, value)
    if (r.ok) out[key] = r.value
    else problems.push({ field: `fields.${key}`, problem: r.problem })
  }
  return { values: out, problems }
}

/** Checks a field definition (create or update); returns every problem. */
export function checkFieldDef(def: { key?: string; type: string; options?: string[] | null }): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (def.key !== undefined && !FIELD_KEY.test(def.key)) {
    problems.push({ field: 'key', problem: 'must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 64 characters)' })
  }
  if (!isFieldType(def.type)) problems.push({ field: 'type', problem: `must be one of ${FIELD_TYPES.join(', ')}` })
  if (def.type === 'enum') {
    const opts = def.options ?? []
    if (opts.length === 0) problems.push({ field: 'options', problem: 'must list at least one option for an enum field' })
    if (opts.length > MAX_ENUM_OPTIONS) problems.push({ field: 'options', problem: `must list at most ${MAX_ENUM_OPTIONS} options` })
    if (new Set(opts).size !== opts.length) problems.push({ field: 'options', problem: 'must not repeat an option' })
    if (opts.some((o) => o.trim() === '' || o.length > 100)) problems.push({ field: 'options', problem: 'must each be 1 to 100 characters' })
  } else if (def.options && def.options.length > 0) {
    problems.push({ field: 'options', problem: 'are only for enum fields; leave them out' })
  }
  return problems
}

/** Which comparisons a field type supports in list filters. */
export function supportsRange(type: FieldType): boolean {
  return type === 'number' || type === 'date'
}
