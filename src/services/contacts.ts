import { isEmail } from '../domain/contact-csv.js'
import { supportsRange, type FieldValue, parseFieldText } from '../domain/custom-fields.js'
import { ConflictError, NotFoundError, RuleRefusedError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { decodePageToken, encodePageToken, isTimeCursor } from '../domain/page-token.js'
import { normalizePhone } from '../domain/phone.js'
import type { ContactFilter } from '../store/contact-list-query.js'
import type { ContactPatch, ContactRow, RecipientFound, RecipientWanted } from '../store/contacts.js'
import { pgCode } from '../store/handle.js'
import type { Repositories } from '../store/index.js'
import { fieldDefs, validateFieldValues } from './contact-fields.js'
import type { Deps } from './deps.js'
import { groupCommit, perStore } from './group-commit.js'
import { checkTagName, ensureTags } from './tags.js'
import { emitEvents, listensFor, subscribersOf, type EventInput } from './events.js'
import { contactWire } from '../shared/contact-wire.js'

export type Contact = ContactRow & { tags: string[] }

export interface ContactInput {
  phone?: string
  name?: string | null
  firstName?: string | null
  lastName?: string | null
  email?: string | null
  language?: string | null
  fields?: Record<string, unknown>
  tags?: string[]
}

/** List filters as the API and CLI give them: names and text, resolved here against the business. */
export interface ContactQuery {
  search?: string
  tags?: string[]
  tagMatch?: 'all' | 'any'
  fields?: Array<{ key: string; op: 'eq' | 'gt' | 'lt'; value: string }>
  optedOut?: boolean
}

/** A contact.created event; a contact made on the way (first message, send to a new phone) has no tags yet. */
function contactCreated(c: ContactRow & { tags?: string[] }, at: Date): EventInput {
  return { businessId: c.businessId, type: 'contact.created', data: contactWire({ ...c, tags: c.tags ?? [] }), at }
}

/** contact.created for contacts made on the way (a customer's first message, a send to a new phone). */
export async function contactCreatedEvents(repos: Pick<Repositories, 'contacts'>, ids: string[], at: Date): Promise<EventInput[]> {
  return (await repos.contacts.byIds(ids)).map((c) => contactCreated(c, at))
}

export function phoneOrThrow(raw: string, field = 'phone'): string {
  const r = normalizePhone(raw)
  if (!r.ok) throw ValidationError.fields(`The phone number "${raw}" ${r.problem}.`, [{ field, problem: r.problem }], 'invalid_phone')
  return r.e164
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('not_found', `No contact has the id ${id}; it may have been deleted. List contacts with GET /v1/contacts.`, { id })
}

/** Checks and normalises the plain columns of an input; every problem listed at once. */
function checkColumns(input: ContactInput): ContactPatch {
  const problems: FieldProblem[] = []
  const patch: ContactPatch = {}
  if (input.phone !== undefined) {
    const r = normalizePhone(input.phone)
    if (r.ok) patch.phone = r.e164
    else problems.push({ field: 'phone', problem: r.problem })
  }
  for (const [k, col] of [['name', 'name'], ['firstName', 'first_name'], ['lastName', 'last_name']] as const) {
    const v = input[k]
    if (v === undefined) continue
    const t = v === null ? null : v.trim() || null
    if (t && t.length > 200) problems.push({ field: col, problem: 'must be at most 200 characters' })
    patch[k] = t
  }
  if (input.email !== undefined) {
    const e = input.email === null ? null : input.email.trim() || null
    if (e && !isEmail(e)) problems.push({ field: 'email', problem: 'is not an email address, such as ana@example.com' })
    patch.email = e
  }
  if (input.language !== undefined) {
    const l = input.language === null ? null : input.language.trim() || null
    if (l && !/^[a-z]{2,3}([_-][A-Za-z]{2,4})?$/.test(l)) problems.push({ field: 'language', problem: 'must be a language code such as en or pt_BR' })
    patch.language = l
  }
  if (input.tags) input.tags.forEach((t, i) => {
    const n = t.trim()
    if (n.length < 1 || n.length > 64) problems.push({ field: `tags[${i}]`, problem: 'must be 1 to 64 characters' })
  })
  if (problems.length > 0) {
    const phoneOnly = problems.length === 1 && problems[0].field === 'phone'
    throw ValidationError.fields(
      phoneOnly
        ? `The phone number "${input.phone}" ${problems[0].problem}.`
        : `Some contact fields are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}. Fix them and try again.`,
      problems,
      phoneOnly ? 'invalid_phone' : 'validation_failed',
    )
  }
  return patch
}

async function withTags(store: Repositories, rows: ContactRow[]): Promise<Contact[]> {
  const names = await store.contacts.tagNames(rows.map((r) => r.id))
  return rows.map((r) => ({ ...r, tags: names.get(r.id) ?? [] }))
}

async function one(store: Repositories, row: ContactRow): Promise<Contact> {
  return (await withTags(store, [row]))[0]
}

async function attachByName(deps: Deps, store: Repositories, businessId: string, contactId: string, names: string[]): Promise<void> {
  if (names.length === 0) return
  const ids = await ensureTagsIn(deps, store, businessId, names)
  await store.contacts.attachTags(ids.map((tagId) => ({ contactId, tagId })), deps.clock())
}

/** ensureTags over a transaction's repositories. */
function ensureTagsIn(deps: Deps, store: Repositories, businessId: string, names: string[]): Promise<string[]> {
  return ensureTags({ ...deps, store: { ...deps.store, ...store } }, businessId, names)
}

/**
 * Creates a contact. A phone the business already has answers 409 `contact_exists` (naming the existing
 * contact) unless `upsert`, which merges the input into it: given values replace, fields merge, tags add.
 */
export async function createContact(
  deps: Deps,
  businessId: string,
  input: ContactInput & { phone: string },
  opts: { upsert?: boolean } = {},
): Promise<{ contact: Contact; created: boolean }> {
  const patch = checkColumns(input)
  const fields = await validateFieldValues(deps, businessId, input.fields ?? {})
  const now = deps.clock()
  return deps.store.tx(async (store) => {
    const phone = patch.phone as string
    const inserted = await store.contacts.insert({
      id: newId(),
      businessId,
      phone,
      name: patch.name ?? null,
      firstName: patch.firstName ?? null,
      lastName: patch.lastName ?? null,
      email: patch.email ?? null,
      language: patch.language ?? null,
      fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
      createdAt: now,
      updatedAt: now,
    })
    if (inserted) {
      await attachByName(deps, store, businessId, inserted.id, input.tags ?? [])
      const contact = await one(store, inserted)
      await emitEvents(store, [contactCreated(contact, now)])
      return { contact, created: true }
    }
    const existing = await store.contacts.byPhone(businessId, phone)
    if (!existing) throw new ConflictError('contact_exists', 'A contact with this phone was just created; retry the request.')
    if (!opts.upsert) {
      throw new ConflictError(
        'contact_exists',
        `A contact with the phone ${phone} already exists (id ${existing.id}); update it with PATCH /v1/contacts/${existing.id}, or send ?upsert=true to merge.`,
        { id: existing.id, phone },
      )
    }
    const { phone: _same, ...rest } = patch
    const merged = await store.contacts.update(businessId, existing.id, rest, fields, now)
    await attachByName(deps, store, businessId, existing.id, input.tags ?? [])
    const contact = await one(store, merged ?? existing)
    await emitEvents(store, [{ businessId, type: 'contact.updated', data: contactWire(contact), at: now }])
    return { contact, created: false }
  })
}

export async function getContact(deps: Deps, businessId: string, id: string): Promise<Contact> {
  const c = isUuid(id) ? await deps.store.contacts.get(businessId, id) : null
  if (!c) throw notFound(id)
  return one(deps.store, c)
}

/**
 * Updates given values (null clears); `fields` merge (null removes a key); `tags`, when given,
 * replace the contact's tags.
 */
export async function updateContact(deps: Deps, businessId: string, id: string, input: ContactInput): Promise<Contact> {
  if (!isUuid(id)) throw notFound(id)
  const patch = checkColumns(input)
  const fields = input.fields ? await validateFieldValues(deps, businessId, input.fields) : null
  try {
    return await deps.store.tx(async (store) => {
      const c = await store.contacts.update(businessId, id, patch, fields, deps.clock())
      if (!c) throw notFound(id)
      if (input.tags) {
        await store.contacts.detachAll(id)
        await attachByName(deps, store, businessId, id, input.tags)
      }
      const contact = await one(store, c)
      await emitEvents(store, [{ businessId, type: 'contact.updated', data: contactWire(contact), at: deps.clock() }])
      return contact
    })
  } catch (err) {
    if (pgCode(err) === '23505' && patch.phone) {
      const other = await deps.store.contacts.byPhone(businessId, patch.phone)
      throw new ConflictError('contact_exists', `Another contact already has the phone ${patch.phone}${other ? ` (id ${other.id})` : ''}; merge them or choose another phone.`, {
        id: other?.id ?? null,
        phone: patch.phone,
      })
    }
    throw err
  }
}

/**
 * Erases the contact's personal data (phone, names, email, fields, tags). The row stays, with no
 * personal data, so conversations and messages keep a pseudonymous owner.
 */
export async function deleteContact(deps: Deps, businessId: string, id: string): Promise<void> {
  const c = isUuid(id) ? await deps.store.tx((store) => store.contacts.erase(businessId, id, deps.clock())) : null
  if (!c) throw notFound(id)
}

export async function addContactTags(deps: Deps, businessId: string, id: string, names: string[]): Promise<Contact> {
  if (names.length === 0) throw ValidationError.fields('Give at least one tag name in "tags".', [{ field: 'tags', problem: 'must list at least one tag' }])
  names.forEach((n, i) => checkTagName(n, `tags[${i}]`))
  return deps.store.tx(async (store) => {
    const c = isUuid(id) ? await store.contacts.get(businessId, id) : null
    if (!c) throw notFound(id)
    await attachByName(deps, store, businessId, id, names)
    return one(store, c)
  })
}

export async function removeContactTag(deps: Deps, businessId: string, id: string, tagName: string): Promise<Contact> {
  const c = isUuid(id) ? await deps.store.contacts.get(businessId, id) : null
  if (!c) throw notFound(id)
  const tag = await deps.store.tags.byName(businessId, tagName)
  if (!tag || !(await deps.store.contacts.detachTag(id, tag.id))) {
    throw new NotFoundError('not_found', `The contact has no tag named "${tagName}".`, { id, tag: tagName })
  }
  return one(deps.store, c)
}

export async function setOptOut(deps: Deps, businessId: string, id: string, optedOut: boolean, source: string): Promise<Contact> {
  const c = isUuid(id) ? await deps.store.contacts.setOpt(businessId, id, optedOut, source, deps.clock()) : null
  if (!c) throw notFound(id)
  return one(deps.store, c)
}

/** The opt-out words for a business: its own setting, or the server's SWITCHBOARD_OPT_OUT_KEYWORDS. */
async function optOutKeywords(deps: Deps, businessId: string): Promise<string[]> {
  const b = await deps.store.businesses.get(businessId)
  const own = b?.settings?.optOutKeywords
  return Array.isArray(own) && own.every((w) => typeof w === 'string') ? own.map((w) => w.trim().toUpperCase()) : deps.config.optOutKeywords
}

/**
 * For inbound messages: opts the contact out when the whole text is an opt-out keyword ("STOP",
 * " stop! "). Returns true when it did.
 */
export async function optOutOnKeyword(deps: Deps, cmd: { businessId: string; contactId: string; text: string }): Promise<boolean> {
  const word = cmd.text.trim().replace(/[.!¡?¿\s]+$/u, '').replace(/^[.!¡?¿\s]+/u, '').toUpperCase()
  if (!word || word.length > 40) return false
  if (!(await optOutKeywords(deps, cmd.businessId)).includes(word)) return false
  const c = await deps.store.contacts.setOpt(cmd.businessId, cmd.contactId, true, 'keyword', deps.clock())
  return c !== null
}

/** For marketing sends: 422 `contact_opted_out` when the contact has opted out. */
export function assertNotOptedOut(contact: Pick<ContactRow, 'id' | 'optedOut'>): void {
  if (contact.optedOut) {
    throw new RuleRefusedError('contact_opted_out', 'This contact opted out of marketing messages; send only utility or service messages, or ask them to opt in.', {
      contact_id: contact.id,
    })
  }
}

/**
 * The contact for a phone, created when new (sends and broadcasts to a new number): one SQL statement,
 * no write when the contact exists. A profile name fills an empty name. When the business listens for
 * contact.created, the statement and the event commit together.
 */
export async function findOrCreateContactByPhone(
  deps: Deps,
  cmd: { businessId: string; phone: string; name?: string | null },
): Promise<{ contact: ContactRow; created: boolean }> {
  const phone = phoneOrThrow(cmd.phone)
  const row = { id: newId(), businessId: cmd.businessId, phone, name: cmd.name?.trim() || null, at: deps.clock() }
  const subs = await subscribersOf(deps.store, [cmd.businessId])
  if (!listensFor(subs, cmd.businessId, 'contact.created')) return deps.store.contacts.findOrCreateByPhone(row)
  return deps.store.tx(async (store) => {
    const r = await store.contacts.findOrCreateByPhone(row)
    if (r.created) await emitEvents(store, [contactCreated(r.contact, row.at)], subs)
    return r
  })
}

export interface Recipient {
  contact: ContactRow
  /** Null only when `unlessOptedOut` held back a new conversation for a contact who opted out. */
  conversationId: string | null
}

/** Recipients of a batch in one statement, and contact.created committed with it for businesses that listen. */
async function ensureRecipientBatch(deps: Deps, items: RecipientWanted[]): Promise<Array<Recipient | null>> {
  const at = deps.clock()
  const subs = await subscribersOf(deps.store, [...new Set(items.map((i) => i.businessId))])
  const found = new Map<string, RecipientFound>()
  // A recipient is missing only when another transaction created it after the statement's snapshot;
  // the next statement sees it.
  for (let attempt = 0; attempt < 3 && found.size < items.length; attempt++) {
    const ask = items.filter((i) => !found.has(i.key))
    const rows = ask.some((i) => listensFor(subs, i.businessId, 'contact.created'))
      ? await deps.store.tx(async (store) => {
          const r = await store.contacts.ensureRecipients(ask, at)
          const created = new Map(r.filter((x) => x.contactCreated && listensFor(subs, x.contact.businessId, 'contact.created')).map((x) => [x.contact.id, x.contact]))
          await emitEvents(store, [...created.values()].map((c) => contactCreated(c, at)), subs)
          return r
        })
      : await deps.store.contacts.ensureRecipients(ask, at)
    for (const r of rows) found.set(r.key, r)
  }
  return items.map((i) => {
    const r = found.get(i.key)
    return r ? { contact: r.contact, conversationId: r.conversationId } : null
  })
}

// Template sends are group-committed here as well as at enqueue: a burst of sends to new or known
// phones costs one statement for their contacts and conversations.
const recipientQueue = perStore((deps) => groupCommit<RecipientWanted, Recipient | null>({ maxWeight: 100, run: (items) => ensureRecipientBatch(deps, items) }))

/**
 * The contact for a phone and its conversation on a number, each created when new (a send to a phone).
 * `phone` is E.164 already. With `unlessOptedOut` (a send the opt-out will refuse), a contact who opted
 * out gets no new, empty conversation. A profile name fills an empty name. When the business listens for
 * contact.created, the contact and the event commit together.
 */
export async function ensureRecipient(
  deps: Deps,
  cmd: { businessId: string; numberId: string; phone: string; name?: string | null; unlessOptedOut: boolean },
): Promise<Recipient> {
  const r = await recipientQueue(deps)({
    key: newId(),
    businessId: cmd.businessId,
    numberId: cmd.numberId,
    phone: cmd.phone,
    name: cmd.name?.trim() || null,
    newContactId: newId(),
    newConversationId: newId(),
    unlessOptedOut: cmd.unlessOptedOut,
  })
  if (!r) throw new Error(`could not find or create the contact and conversation for ${cmd.phone} after retries`)
  return r
}

/** Turns list filters (tag names, field text) into a store filter; 400 for unknown fields or operators. */
export async function resolveContactQuery(deps: Deps, businessId: string, q: ContactQuery): Promise<ContactFilter> {
  const filter: ContactFilter = { businessId, search: q.search, optedOut: q.optedOut }
  if (q.tags && q.tags.length > 0) {
    const names = [...new Set(q.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))]
    const ids = await deps.store.tags.idsByName(businessId, names)
    const match = q.tagMatch ?? 'any'
    const found = names.map((n) => ids.get(n)).filter((id): id is string => !!id)
    // An unknown tag matches no contact: with `all` nothing can match; with `any` it simply adds nothing.
    filter.tags = { ids: found, match, impossible: found.length === 0 || (match === 'all' && found.length < names.length) }
  }
  if (q.fields && q.fields.length > 0) {
    const defs = await fieldDefs(deps, businessId)
    const problems: FieldProblem[] = []
    filter.fieldEquals = []
    filter.fieldRanges = []
    for (const f of q.fields) {
      const def = defs.get(f.key)
      const field = f.op === 'eq' ? `fields[${f.key}]` : `fields[${f.key}][${f.op}]`
      if (!def) {
        problems.push({ field, problem: 'is not a custom field of this business; list them with GET /v1/contact-fields' })
        continue
      }
      if (f.op !== 'eq' && !supportsRange(def.type)) {
        problems.push({ field, problem: `cannot compare a ${def.type} field; gt and lt work on number and date fields` })
        continue
      }
      const r = parseFieldText(def, f.value)
      if (!r.ok) {
        problems.push({ field, problem: r.problem })
        continue
      }
      if (f.op === 'eq') filter.fieldEquals.push({ key: f.key, value: r.value as FieldValue })
      else filter.fieldRanges.push({ key: f.key, op: f.op, kind: def.type as 'number' | 'date', value: r.value as number | string })
    }
    if (problems.length > 0) {
      throw ValidationError.fields(`Some field filters are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)
    }
  }
  return filter
}

export async function listContacts(
  deps: Deps,
  businessId: string,
  q: ContactQuery,
  page: { size: number; token?: string },
): Promise<{ items: Contact[]; next?: string }> {
  const after = decodePageToken(page.token, isTimeCursor)
  const filter = await resolveContactQuery(deps, businessId, q)
  const rows = await deps.store.contacts.list(filter, after ? { createdAt: new Date(after.t), id: after.id } : undefined, page.size + 1)
  const items = rows.slice(0, page.size)
  const last = items[items.length - 1]
  return { items, next: rows.length > page.size && last ? encodePageToken({ t: last.createdAt.toISOString(), id: last.id }) : undefined }
}

/** Every contact matching the query, in pages of `batch`, newest first (CSV export). */
export async function* iterateContacts(deps: Deps, businessId: string, q: ContactQuery, batch = 1000): AsyncGenerator<Contact> {
  const filter = await resolveContactQuery(deps, businessId, q)
  let after: { createdAt: Date; id: string } | undefined
  for (;;) {
    const rows = await deps.store.contacts.list(filter, after, batch)
    if (rows.length === 0) return
    yield* rows
    const last = rows[rows.length - 1]
    after = { createdAt: last.createdAt, id: last.id }
    if (rows.length < batch) return
  }
}
