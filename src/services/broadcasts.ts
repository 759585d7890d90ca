import { compileVariables, resolveVariables, type CompiledVariable, type VariableSpec } from '../domain/broadcast-variables.js'
import { ConflictError, NotFoundError, RuleRefusedError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { decodePageToken, encodePageToken, isTimeCursor } from '../domain/page-token.js'
import { normalizePhone } from '../domain/phone.js'
import type { AudienceFilter, BroadcastCounts, BroadcastRow, FanoutMessage, RecipientListItem } from '../store/broadcasts.js'
import type { Repositories } from '../store/index.js'
import type { TemplateRow } from '../store/templates.js'
import { findOrCreateContactByPhone, resolveContactQuery, type ContactQuery } from './contacts.js'
import { fieldDefs } from './contact-fields.js'
import type { Deps } from './deps.js'
import { emitEvent } from './events.js'
import { resolveSendingNumber } from './numbers.js'
import { storedComponents } from './sends.js'
import { assertTemplateApproved, fillTemplate, templateByKey } from './templates.js'

// Broadcasts: an approved template to an audience. The audience is fixed when the broadcast starts
// (one row per recipient); a fan-out job turns pending recipients into queued messages a batch at a
// time, keeping the number's bulk backlog small so pause acts at once and replies are never starved;
// the dispatcher paces and sends them like any other message.

export const BROADCAST_CHANNEL = 'sb_broadcasts'
const OUTBOX_CHANNEL = 'switchboard_outbox'

export type FieldFilter = string | number | boolean | { gt?: number | string; lt?: number | string }

export interface Audience {
  tags_any?: string[]
  tags_all?: string[]
  fields?: Record<string, FieldFilter>
  contact_ids?: string[]
  phones?: string[]
}

export interface BroadcastInput {
  name: string
  numberId?: string
  templateKey: string
  language?: string
  audience: Audience
  variables?: Record<string, VariableSpec>
  scheduledAt?: Date | null
}

export interface BroadcastView {
  broadcast: BroadcastRow
  template: TemplateRow
  counts: BroadcastCounts
}

const TRANSITIONS: Record<string, string[]> = {
  start: ['draft'],
  pause: ['running', 'scheduled'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
}

const notFound = (id: string) => new NotFoundError('not_found', `No broadcast has the id ${id}; list broadcasts with GET /v1/broadcasts.`, { id })

function refuse(action: string, b: BroadcastRow): ConflictError {
  const allowed = Object.entries(TRANSITIONS)
    .filter(([, from]) => from.includes(b.status))
    .map(([a]) => a)
  return new ConflictError(
    'invalid_transition',
    `A ${b.status} broadcast cannot ${action}${allowed.length ? `; it can: ${allowed.join(', ')}` : '; it is finished'}.`,
    { status: b.status, action, allowed },
  )
}

/** Audience names and values → ids and typed filters (400 listing every problem). */
async function resolveAudience(deps: Deps, businessId: string, a: Audience): Promise<{ filter: AudienceFilter; phones: string[] }> {
  const problems: FieldProblem[] = []
  const phones: string[] = []
  for (const [i, raw] of (a.phones ?? []).entries()) {
    const r = normalizePhone(raw)
    if (r.ok) phones.push(r.e164)
    else problems.push({ field: `audience.phones[${i}]`, problem: r.problem })
  }
  for (const [i, id] of (a.contact_ids ?? []).entries()) if (!isUuid(id)) problems.push({ field: `audience.contact_ids[${i}]`, problem: 'must be a contact id (UUID)' })
  const hasSegment = Boolean(a.tags_all?.length || a.tags_any?.length || (a.fields && Object.keys(a.fields).length))
  if (!hasSegment && !a.contact_ids?.length && !a.phones?.length) {
    problems.push({ field: 'audience', problem: 'must name at least one of tags_any, tags_all, fields, contact_ids or phones' })
  }
  if (problems.length) throw ValidationError.fields(`The audience is invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems)

  let segment = null
  let anyTagIds: string[] | null = null
  if (hasSegment) {
    const fields: ContactQuery['fields'] = []
    for (const [key, f] of Object.entries(a.fields ?? {})) {
      if (f !== null && typeof f === 'object') {
        if (f.gt !== undefined) fields.push({ key, op: 'gt', value: String(f.gt) })
        if (f.lt !== undefined) fields.push({ key, op: 'lt', value: String(f.lt) })
      } else fields.push({ key, op: 'eq', value: String(f) })
    }
    segment = await resolveContactQuery(deps, businessId, { tags: a.tags_all?.length ? a.tags_all : undefined, tagMatch: 'all', fields })
    if (a.tags_any?.length) {
      const any = await resolveContactQuery(deps, businessId, { tags: a.tags_any, tagMatch: 'any' })
      anyTagIds = any.tags?.impossible ? [] : (any.tags?.ids ?? [])
    }
  }
  return { filter: { segment, anyTagIds, contactIds: a.contact_ids ?? [] }, phones }
}

async function compile(deps: Deps, businessId: string, t: TemplateRow, spec: Record<string, VariableSpec>): Promise<CompiledVariable[]> {
  const known = new Set((await fieldDefs(deps, businessId)).keys())
  const { compiled, problems } = compileVariables(t.variables, spec, known)
  if (problems.length) {
    throw ValidationError.fields(
      `The variables do not fit the template "${t.name}": ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`,
      problems,
      'invalid_template_variables',
    )
  }
  return compiled
}

export async function createBroadcast(deps: Deps, businessId: string, input: BroadcastInput): Promise<{ broadcast: BroadcastRow; audienceCount: number }> {
  const number = await resolveSendingNumber(deps, businessId, input.numberId)
  const template = await templateByKey(deps, number.id, input.templateKey, input.language)
  await compile(deps, businessId, template, input.variables ?? {})
  const { filter, phones } = await resolveAudience(deps, businessId, input.audience)
  const now = deps.clock()
  if (input.scheduledAt && input.scheduledAt.getTime() < now.getTime() - 60_000) {
    throw ValidationError.fields('scheduled_at is in the past; leave it out to send when started, or give a future time.', [
      { field: 'scheduled_at', problem: 'must be in the future' },
    ])
  }
  const broadcast = await deps.store.broadcasts.insert({
    id: newId(),
    businessId,
    numberId: number.id,
    templateId: template.id,
    name: input.name,
    audience: { ...input.audience, ...(phones.length ? { phones } : {}) },
    variables: input.variables ?? {},
    status: 'draft',
    scheduledAt: input.scheduledAt ?? null,
    createdAt: now,
    updatedAt: now,
  })
  return { broadcast, audienceCount: await audienceCount(deps, businessId, filter, phones) }
}

/** Recipients the audience has now: matching contacts with a phone, plus listed phones that are no contact yet. */
async function audienceCount(deps: Deps, businessId: string, filter: AudienceFilter, phones: string[]): Promise<number> {
  const existing: string[] = []
  let unknown = 0
  for (const p of new Set(phones)) {
    const c = await deps.store.contacts.byPhone(businessId, p)
    if (c) existing.push(c.id)
    else unknown++
  }
  return (await deps.store.broadcasts.countAudience(businessId, { ...filter, contactIds: [...filter.contactIds, ...existing] })) + unknown
}

export async function getBroadcast(deps: Deps, businessId: string, id: string): Promise<BroadcastView> {
  const broadcast = isUuid(id) ? await deps.store.broadcasts.get(businessId, id) : null
  if (!broadcast) throw notFound(id)
  const template = (await deps.store.templates.get(businessId, broadcast.templateId)) as TemplateRow
  return { broadcast, template, counts: await deps.store.broadcasts.counts(broadcast.id) }
}

export async function listBroadcasts(deps: Deps, businessId: string, pageSize: number, pageToken?: string): Promise<{ items: BroadcastView[]; nextPageToken?: string }> {
  const cursor = decodePageToken(pageToken, isTimeCursor)
  const rows = await deps.store.broadcasts.list(businessId, cursor ? { t: new Date(cursor.t), id: cursor.id } : undefined, pageSize + 1)
  const page = rows.slice(0, pageSize)
  const items = await Promise.all(page.map((b) => getBroadcast(deps, businessId, b.id)))
  const last = page[page.length - 1]
  return { items, nextPageToken: rows.length > pageSize && last ? encodePageToken({ t: last.createdAt.toISOString(), id: last.id }) : undefined }
}

export const RECIPIENT_STATUSES = ['pending', 'queued', 'sent', 'delivered', 'read', 'failed', 'skipped'] as const

export async function listRecipients(
  deps: Deps,
  businessId: string,
  id: string,
  q: { status?: string; pageSize: number; pageToken?: string },
): Promise<{ items: RecipientListItem[]; nextPageToken?: string }> {
  const { broadcast } = await getBroadcast(deps, businessId, id)
  const cursor = decodePageToken(q.pageToken, (v): v is { id: string } => typeof v.id === 'string' && isUuid(v.id))
  const rows = await deps.store.broadcasts.recipients(broadcast.id, q.status, cursor?.id, q.pageSize + 1)
  const page = rows.slice(0, q.pageSize)
  const last = page[page.length - 1]
  return { items: page, nextPageToken: rows.length > q.pageSize && last ? encodePageToken({ id: last.id }) : undefined }
}

/**
 * Moves a broadcast to running and fixes its audience (one pending recipient per contact with a phone)
 * in one transaction, so no fan-out worker ever sees it running without its recipients. Contacts for
 * listed phones are made first (idempotent, so a failed start leaves nothing wrong behind).
 */
async function startRunning(deps: Deps, b: BroadcastRow, from: string[], patch: Partial<BroadcastRow>): Promise<BroadcastRow | null> {
  const audience = b.audience as Audience
  const { filter, phones } = await resolveAudience(deps, b.businessId, audience)
  const extra: string[] = []
  for (const phone of new Set(phones)) extra.push((await findOrCreateContactByPhone(deps, { businessId: b.businessId, phone, name: null })).contact.id)
  const now = deps.clock()
  return deps.store.tx(async (s) => {
    const moved = await s.broadcasts.transition(b.id, from, { ...patch, status: 'running', updatedAt: now })
    if (moved) await s.broadcasts.materialize(b.id, b.businessId, { ...filter, contactIds: [...filter.contactIds, ...extra] }, now)
    return moved
  })
}

export async function startBroadcast(deps: Deps, businessId: string, id: string): Promise<BroadcastView> {
  const { broadcast: b, template } = await getBroadcast(deps, businessId, id)
  if (!TRANSITIONS.start.includes(b.status)) throw refuse('start', b)
  assertTemplateApproved(template)
  await compile(deps, businessId, template, b.variables as Record<string, VariableSpec>)
  const now = deps.clock()
  if (b.scheduledAt && b.scheduledAt > now) {
    if (!(await deps.store.broadcasts.transition(b.id, ['draft'], { status: 'scheduled', updatedAt: now }))) throw refuse('start', b)
  } else if (!(await startRunning(deps, b, ['draft'], { startedAt: now }))) {
    throw refuse('start', b)
  }
  await deps.store.database.notify(BROADCAST_CHANNEL, b.id).catch(() => {})
  return getBroadcast(deps, businessId, id)
}

export async function pauseBroadcast(deps: Deps, businessId: string, id: string, reason: string | null = null): Promise<BroadcastView> {
  const { broadcast: b } = await getBroadcast(deps, businessId, id)
  if (!TRANSITIONS.pause.includes(b.status)) throw refuse('pause', b)
  await haltBroadcast(deps, b, 'paused', reason)
  return getBroadcast(deps, businessId, id)
}

export async function resumeBroadcast(deps: Deps, businessId: string, id: string): Promise<BroadcastView> {
  const { broadcast: b, template } = await getBroadcast(deps, businessId, id)
  if (!TRANSITIONS.resume.includes(b.status)) throw refuse('resume', b)
  assertTemplateApproved(template)
  const now = deps.clock()
  // A broadcast paused before it ever started (while scheduled) fixes its audience now.
  const moved = b.startedAt
    ? await deps.store.broadcasts.transition(b.id, ['paused'], { status: 'running', pauseReason: null, updatedAt: now })
    : await startRunning(deps, b, ['paused'], { pauseReason: null, startedAt: now })
  if (!moved) throw refuse('resume', b)
  await deps.store.database.notify(BROADCAST_CHANNEL, b.id).catch(() => {})
  return getBroadcast(deps, businessId, id)
}

export async function cancelBroadcast(deps: Deps, businessId: string, id: string): Promise<BroadcastView> {
  const { broadcast: b } = await getBroadcast(deps, businessId, id)
  if (!TRANSITIONS.cancel.includes(b.status)) throw refuse('cancel', b)
  await haltBroadcast(deps, b, 'cancelled', null)
  return getBroadcast(deps, businessId, id)
}

/** Pause or cancel: stop the fan-out and take back queued messages no dispatcher has picked up yet. */
async function haltBroadcast(deps: Deps, b: BroadcastRow, to: 'paused' | 'cancelled', reason: string | null): Promise<void> {
  const now = deps.clock()
  await deps.store.tx(async (s) => {
    const moved = await s.broadcasts.transition(b.id, TRANSITIONS[to === 'paused' ? 'pause' : 'cancel'], {
      status: to,
      pauseReason: to === 'paused' ? reason : null,
      ...(to === 'cancelled' ? { completedAt: now } : {}),
      updatedAt: now,
    })
    if (!moved) throw refuse(to === 'paused' ? 'pause' : 'cancel', b)
    await s.broadcasts.withdrawQueued(b.id, now)
    if (to === 'cancelled') await s.broadcasts.skipPending(b.id, 'cancelled', now)
  })
}

// ---------------------------------------------------------------------------------------------
// Fan-out (called by src/jobs/broadcasts.ts)

/** How far ahead of the dispatcher the fan-out queues: two seconds of the number's throughput. */
const backlogTarget = (throughputMps: number) => Math.max(100, Math.min(5_000, throughputMps * 2))
const BATCH = 500

/**
 * One round for one broadcast: start it if it was scheduled and is due, pause it if its template was
 * paused or disabled, queue the next batch of recipients, or complete it. Returns how many recipients
 * it handled, so the job knows whether to come back at once.
 */
export async function fanOutRound(deps: Deps, b: BroadcastRow): Promise<number> {
  const now = deps.clock()
  if (b.status === 'scheduled') {
    if (!b.scheduledAt || b.scheduledAt > now) return 0
    const moved = await startRunning(deps, b, ['scheduled'], { startedAt: now })
    if (!moved) return 0
    b = moved
  }
  const template = await deps.store.templates.get(b.businessId, b.templateId)
  if (!template || template.status === 'PAUSED' || template.status === 'DISABLED' || template.status === 'REJECTED') {
    const why = template
      ? `WhatsApp set the template "${template.name}" to ${template.status}${template.statusReason ? ` (${template.statusReason})` : ''}; resume once it is APPROVED again.`
      : 'The template was deleted; cancel this broadcast.'
    await haltBroadcast(deps, b, 'paused', why).catch(() => {})
    deps.log.warn({ broadcast_id: b.id, reason: why }, 'broadcast paused')
    return 0
  }
  const number = await deps.store.numbers.get(b.businessId, b.numberId)
  const room = backlogTarget(number?.throughputMps ?? 80) - (await deps.store.broadcasts.bulkBacklog(b.numberId))
  if (room <= 0) return 0
  const compiled = await compile(deps, b.businessId, template, b.variables as Record<string, VariableSpec>)

  const handled = await deps.store.tx(async (s: Repositories) => {
    // Another process may have paused it since we read it: re-check under the transaction.
    const current = await s.broadcasts.byId(b.id)
    if (current?.status !== 'running') return 0
    const claimed = await s.broadcasts.claimPending(b.id, Math.min(room, BATCH))
    const skips: Array<{ id: string; reason: string }> = []
    const items: FanoutMessage[] = []
    for (const r of claimed) {
      if (!r.contactId) {
        skips.push({ id: r.id, reason: 'contact_deleted' })
        continue
      }
      if (template.category === 'MARKETING' && r.optedOut) {
        skips.push({ id: r.id, reason: 'opted_out' })
        continue
      }
      const resolved = resolveVariables(compiled, {
        name: r.name,
        first_name: r.firstName,
        last_name: r.lastName,
        phone: r.phone,
        email: r.email,
        language: r.language,
        fields: r.fields,
      })
      if ('missing' in resolved) {
        skips.push({ id: r.id, reason: `missing_variable: ${resolved.missing.join(', ')}` })
        continue
      }
      const filled = fillTemplate(template, resolved.values)
      items.push({
        recipientId: r.id,
        contactId: r.contactId,
        messageId: newId(),
        conversationId: newId(),
        text: filled.text,
        payload: { components: storedComponents(filled.components) },
        template: { id: template.id, key: template.name, language: template.language, category: template.category, variables: filled.values, broadcast_id: b.id },
      })
    }
    await s.broadcasts.skip(skips, now)
    await s.broadcasts.enqueue({ broadcastId: b.id, businessId: b.businessId, numberId: b.numberId, at: now }, items)
    return claimed.length
  })
  if (handled > 0) {
    await deps.store.database.notify(OUTBOX_CHANNEL, b.numberId).catch(() => {})
    return handled
  }
  await completeIfDone(deps, b)
  return 0
}

// Counting a large broadcast scans its recipients: while the tail drains, check at most every second.
const lastCompletionCheck = new Map<string, number>()
const COMPLETION_CHECK_MS = 1_000

async function completeIfDone(deps: Deps, b: BroadcastRow): Promise<void> {
  const nowMs = Date.now()
  if (nowMs - (lastCompletionCheck.get(b.id) ?? 0) < COMPLETION_CHECK_MS) return
  lastCompletionCheck.set(b.id, nowMs)
  const counts = await deps.store.broadcasts.counts(b.id)
  if (counts.queued > 0) return
  const now = deps.clock()
  await deps.store.tx(async (s) => {
    const done = await s.broadcasts.transition(b.id, ['running'], { status: 'completed', completedAt: now, updatedAt: now })
    if (!done) return
    lastCompletionCheck.delete(b.id)
    await emitEvent(s, {
      businessId: b.businessId,
      type: 'broadcast.completed',
      data: { id: b.id, name: b.name, counts: { ...counts } as unknown as Record<string, unknown> },
      at: now,
    })
  })
}
