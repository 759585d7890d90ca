import type { FieldProblem } from './errors.js'

// How a broadcast fills each template variable per recipient: a literal, or a contact value
// ("{{contact.first_name}}", "{{contact.fields.plan_tier}}" or "{{contact.plan_tier}}" for a custom
// field), with an optional default for contacts that lack it. Pure: the fan-out job resolves per row.

export type VariableSpec = string | { value: string; default?: string }

export interface RecipientValues {
  name: string | null
  first_name: string | null
  last_name: string | null
  phone: string | null
  email: string | null
  language: string | null
  fields: Record<string, unknown>
}

const CONTACT_REF = /^\{\{\s*contact\.([a-z_][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?\s*\}\}$/
const COLUMNS = new Set(['name', 'first_name', 'last_name', 'phone', 'email', 'language'])

type Source = { kind: 'literal'; text: string } | { kind: 'column'; column: keyof Omit<RecipientValues, 'fields'> } | { kind: 'field'; key: string }

export interface CompiledVariable {
  name: string
  source: Source
  fallback: string | null
}

/** Checks a variables mapping against the template's variables; every problem listed. */
export function compileVariables(
  templateVariables: readonly string[],
  spec: Record<string, VariableSpec>,
  knownFields: ReadonlySet<string>,
): { compiled: CompiledVariable[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const compiled: CompiledVariable[] = []
  for (const name of Object.keys(spec)) {
    if (!templateVariables.includes(name)) {
      problems.push({ field: `variables.${name}`, problem: `is not a variable of the template (it has: ${templateVariables.join(', ') || 'none'})` })
    }
  }
  for (const name of templateVariables) {
    const s = spec[name]
    if (s === undefined) {
      problems.push({ field: `variables.${name}`, problem: 'is required: give a literal or a contact value such as "{{contact.first_name}}"' })
      continue
    }
    const value = typeof s === 'string' ? s : s.value
    const fallback = typeof s === 'string' ? null : (s.default ?? null)
    const m = CONTACT_REF.exec(value.trim())
    if (!m) {
      if (value.includes('{{')) {
        problems.push({ field: `variables.${name}`, problem: 'must be plain text or exactly one contact value such as "{{contact.first_name}}"' })
      } else if (value.trim() === '') problems.push({ field: `variables.${name}`, problem: 'must not be empty' })
      compiled.push({ name, source: { kind: 'literal', text: value }, fallback })
      continue
    }
    const [, first, second] = m
    if (first === 'fields' && second) {
      if (!knownFields.has(second)) problems.push({ field: `variables.${name}`, problem: `refers to the custom field "${second}", which does not exist` })
      compiled.push({ name, source: { kind: 'field', key: second }, fallback })
    } else if (!second && COLUMNS.has(first)) {
      compiled.push({ name, source: { kind: 'column', column: first as keyof Omit<RecipientValues, 'fields'> }, fallback })
    } else if (!second && knownFields.has(first)) {
      compiled.push({ name, source: { kind: 'field', key: first }, fallback })
    } else {
      problems.push({
        field: `variables.${name}`,
        problem: `refers to contact.${second ? `${first}.${second}` : first}, which is not a contact value (use name, first_name, last_name, phone, email, language or a custom field key)`,
      })
    }
  }
  return { compiled, problems }
}

/** The values for one recipient, or the variables that have no value and no default. */
export function resolveVariables(compiled: readonly CompiledVariable[], c: RecipientValues): { values: Record<string, string> } | { missing: string[] } {
  const values: Record<string, string> = {}
  const missing: string[] = []
  for (const v of compiled) {
    let raw: unknown
    if (v.source.kind === 'literal') raw = v.source.text
    else if (v.source.kind === 'column') raw = c[v.source.column]
    else raw = c.fields[v.source.key]
    const text = raw === null || raw === undefined ? '' : String(raw).trim()
    if (text) values[v.name] = text
    else if (v.fallback !== null && v.fallback.trim() !== '') values[v.name] = v.fallback
    else missing.push(v.name)
  }
  return missing.length ? { missing } : { values }
}
