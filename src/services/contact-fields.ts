import {
  checkFieldDef,
  checkFieldValue,
  checkFieldValues,
  fieldText,
  parseFieldText,
  type FieldDef,
  type FieldType,
  type FieldValue,
} from '../domain/custom-fields.js'
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import type { ContactFieldRow } from '../store/contact-fields.js'
import type { Deps } from './deps.js'

const MAX_FIELDS = 200

export function toFieldDef(row: ContactFieldRow): FieldDef {
  return { key: row.key, type: row.type as FieldType, options: row.options ?? null }
}

/** The business's fields by key, as the pure validators want them. */
export async function fieldDefs(deps: Deps, businessId: string): Promise<Map<string, FieldDef>> {
  const rows = await deps.store.contactFields.list(businessId)
  return new Map(rows.map((r) => [r.key, toFieldDef(r)]))
}

/** Checks values against the business's fields; 400 naming every bad field and the type it expects. */
export async function validateFieldValues(
  deps: Deps,
  businessId: string,
  values: Record<string, unknown>,
): Promise<Record<string, FieldValue | null>> {
  if (Object.keys(values).length === 0) return {}
  const { values: ok, problems } = checkFieldValues(await fieldDefs(deps, businessId), values)
  if (problems.length > 0) {
    throw ValidationError.fields(
      `Some custom field values are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`,
      problems,
      'invalid_field_value',
    )
  }
  return ok
}

function notFound(key: string): NotFoundError {
  return new NotFoundError('not_found', `No custom field has the key "${key}"; list them with GET /v1/contact-fields.`, { key })
}

export function listContactFields(deps: Deps, businessId: string): Promise<ContactFieldRow[]> {
  return deps.store.contactFields.list(businessId)
}

export async function getContactField(deps: Deps, businessId: string, key: string): Promise<ContactFieldRow> {
  const f = await deps.store.contactFields.get(businessId, key)
  if (!f) throw notFound(key)
  return f
}

export async function createContactField(
  deps: Deps,
  cmd: { businessId: string; key: string; label: string; type: string; options?: string[] | null },
): Promise<ContactFieldRow> {
  const problems = checkFieldDef(cmd)
  if (problems.length > 0) {
    throw ValidationError.fields(`The field definition is invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
  }
  if ((await deps.store.contactFields.list(cmd.businessId)).length >= MAX_FIELDS) {
    throw new ConflictError('too_many_fields', `A business can have at most ${MAX_FIELDS} custom fields; delete one you no longer use.`)
  }
  const now = deps.clock()
  const f = await deps.store.contactFields.insert({
    businessId: cmd.businessId,
    key: cmd.key,
    label: cmd.label,
    type: cmd.type,
    options: cmd.type === 'enum' ? (cmd.options ?? []) : null,
    createdAt: now,
    updatedAt: now,
  })
  if (!f) throw new ConflictError('field_exists', `A custom field with the key "${cmd.key}" already exists; choose another key or update that field.`, { key: cmd.key })
  return f
}

/**
 * What a stored value becomes under a new definition: itself when it fits, its text read as the new
 * type ("42" for a number), or null when it cannot fit.
 */
function convert(def: FieldDef, value: unknown): { value: FieldValue } | null {
  const direct = checkFieldValue(def, value)
  if (direct.ok) return { value: direct.value }
  const parsed = parseFieldText(def, fieldText(value))
  return parsed.ok ? { value: parsed.value } : null
}

/**
 * Changes label, type or options. A change that existing values would not fit is refused (409 with how
 * many); values that fit once read as the new type are converted in the same transaction.
 */
export async function updateContactField(
  deps: Deps,
  cmd: { businessId: string; key: string; label?: string; type?: string; options?: string[] | null },
): Promise<ContactFieldRow> {
  return deps.store.tx(async (store) => {
    const current = await store.contactFields.get(cmd.businessId, cmd.key)
    if (!current) throw notFound(cmd.key)
    const type = cmd.type ?? current.type
    const options = type === 'enum' ? (cmd.options !== undefined ? cmd.options : current.options) : cmd.options
    const problems = checkFieldDef({ type, options: type === 'enum' ? options : (cmd.options ?? null) })
    if (problems.length > 0) {
      throw ValidationError.fields(`The field definition is invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
    }
    const next: FieldDef = { key: cmd.key, type: type as FieldType, options: type === 'enum' ? (options ?? []) : null }
    const typeChanged = next.type !== current.type || JSON.stringify(next.options) !== JSON.stringify(current.options ?? null)
    if (typeChanged) {
      const values = await store.contacts.fieldValues(cmd.businessId, cmd.key)
      const misfits = values.filter((v) => !convert(next, v.value))
      const count = misfits.reduce((n, v) => n + Number(v.n), 0)
      if (count > 0) {
        throw new ConflictError(
          'field_values_incompatible',
          `${count} contact${count === 1 ? '' : 's'} hold${count === 1 ? 's' : ''} a "${cmd.key}" value that is not ${next.type === 'enum' ? `one of the new options` : `a valid ${next.type}`}; change or clear those values first.`,
          { key: cmd.key, incompatible_count: count, examples: misfits.slice(0, 5).map((m) => m.value) },
        )
      }
      for (const v of values) {
        const c = convert(next, v.value)
        if (c && JSON.stringify(c.value) !== JSON.stringify(v.value)) await store.contacts.replaceFieldValue(cmd.businessId, cmd.key, v.value, c.value)
      }
    }
    const f = await store.contactFields.update(cmd.businessId, cmd.key, {
      ...(cmd.label !== undefined ? { label: cmd.label } : {}),
      type: next.type,
      options: next.options,
      updatedAt: deps.clock(),
    })
    if (!f) throw notFound(cmd.key)
    return f
  })
}

/** Deletes a field and every contact's value for it. */
export async function deleteContactField(deps: Deps, businessId: string, key: string): Promise<void> {
  await deps.store.tx(async (store) => {
    if (!(await store.contactFields.delete(businessId, key))) throw notFound(key)
    await store.contacts.removeFieldKey(businessId, key)
  })
}
