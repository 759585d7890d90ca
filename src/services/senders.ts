import { randomInt } from 'node:crypto'
import { ConflictError, NotFoundError, RuleRefusedError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { decodePageToken, encodePageToken } from '../domain/page-token.js'
import { normalizePhone } from '../domain/phone.js'
import {
  EDITABLE_STATES,
  SENDER_STATES,
  UNDELETABLE_STATES,
  allowedTransitions,
  isSenderState,
  mayDelete,
  mayEdit,
  messagingVerdict,
  transition,
  type SenderAction,
  type SenderState,
} from '../domain/sender-lifecycle.js'
import {
  checkSender,
  countryStatus,
  problemsMessage,
  testNumberStates,
  type SenderDetails,
  type SenderFields,
  type SenderInput,
} from '../domain/sender.js'
import type { SenderFilter, SenderKey, SenderPatch, SenderRow, SenderSortColumn, SortDirection } from '../store/senders.js'
import type { Deps } from './deps.js'
import { byKey, groupLookup, perStore } from './group-commit.js'
import { DEFAULT_THROUGHPUT_MPS, numberByPhoneNumberId } from './numbers.js'
import type { EmulatorTarget } from '../providers/provisioning.js'

// Sender provisioning, the use cases the API calls: create, list, get, edit, delete, submit, launch,
// history, and the check a send makes. Review and launch themselves run in the senders job
// (src/jobs/senders.ts → src/services/senders-provisioning.ts), from the `due_at` set here.

export type { SenderRow } from '../store/senders.js'

/** One reason for REJECTED or FAILED: the field it concerns (null for the sender as a whole). */
export interface StateReason {
  field: string | null
  problem: string
  provider_code?: number | null
}

/** Cloud API credentials of a number the business added to its WABA in Meta, given at submit. */
export interface CloudCredentials {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
  graphBaseUrl?: string
  graphVersion?: string
}

/** What provisioning needs later, sealed at rest in `secrets_enc`. */
export interface SenderSecrets {
  cloud?: CloudCredentials
  /** The two-step verification PIN that registration sets (or must match). */
  pin?: string
}

export function detailsOf(s: Pick<SenderRow, 'details'>): SenderDetails {
  return s.details as unknown as SenderDetails
}

export function reasonsOf(s: Pick<SenderRow, 'stateReasons'>): StateReason[] {
  return (s.stateReasons ?? []) as unknown as StateReason[]
}

export function stateOf(s: Pick<SenderRow, 'state'>): SenderState {
  return isSenderState(s.state) ? s.state : 'DRAFT'
}

export function secretsOf(deps: Pick<Deps, 'secrets'>, s: Pick<SenderRow, 'secretsEnc'>): SenderSecrets {
  return s.secretsEnc ? (JSON.parse(deps.secrets.open(s.secretsEnc)) as SenderSecrets) : {}
}

/** The columns that follow from the state: per test number and per country progress. */
export function progressColumns(state: SenderState, details: SenderDetails): Pick<SenderRow, 'testNumberStates' | 'countryStatus'> {
  return { testNumberStates: testNumberStates(details.testNumbers, state), countryStatus: countryStatus(details.countries, state) }
}

/**
 * The emulator senders are provisioned against: the server's built-in one (deps.emulator, which
 * registers numbers with webhooks back to this server), else SWITCHBOARD_EMULATOR_URL; null when this
 * process has neither, and then senders go to the Cloud API.
 */
export function emulatorTarget(deps: Pick<Deps, 'emulator' | 'config'>): EmulatorTarget | null {
  if (deps.emulator) {
    const builtIn = deps.emulator
    return {
      url: builtIn.url,
      register: (n) =>
        builtIn.register({
          phoneNumberId: n.phoneNumberId,
          displayPhoneNumber: n.displayPhoneNumber,
          wabaId: n.wabaId,
          accessToken: n.accessToken,
          appSecret: n.appSecret,
          name: n.verifiedName,
          throughputMps: DEFAULT_THROUGHPUT_MPS,
        }),
    }
  }
  return deps.config.emulatorUrl ? { url: deps.config.emulatorUrl } : null
}

const notFound = (id: string) =>
  new NotFoundError('not_found', `No sender has the id ${id}; list your senders with GET /v1/senders.`, { id })

/** 409 for an action the sender's state does not allow, listing what it does allow. */
export function invalidTransition(s: Pick<SenderRow, 'id' | 'state'>, action: SenderAction | 'edit' | 'delete', hint: string): ConflictError {
  const state = stateOf(s)
  const allowed = allowedTransitions(state)
  const allowedText = allowed.length ? allowed.map((a) => `${a.action} → ${a.to}`).join(', ') : 'none (it is final)'
  return new ConflictError('invalid_transition', `This sender is ${state}, so it cannot ${action === 'edit' ? 'be edited' : action === 'delete' ? 'be deleted' : action}; ${hint} Allowed from ${state}: ${allowedText}.`, {
    sender_id: s.id,
    state,
    action,
    allowed_transitions: allowed,
    ...(action === 'edit' ? { editable_states: EDITABLE_STATES } : {}),
    ...(action === 'delete' ? { undeletable_states: UNDELETABLE_STATES } : {}),
  })
}

function invalid(problems: FieldProblem[]): ValidationError {
  return ValidationError.fields(problemsMessage(problems), problems)
}

function checked(input: SenderInput): { value: SenderFields; warnings: string[] } {
  const c = checkSender(input)
  if (c.problems.length > 0) throw invalid(c.problems)
  return { value: c.value, warnings: c.warnings }
}

export interface CreatedSender {
  sender: SenderRow
  /** Deprecations to tell the caller about (a deprecated billing category). */
  warnings: string[]
}

export async function createSender(deps: Deps, businessId: string, input: SenderInput): Promise<CreatedSender> {
  const { value, warnings } = checked(input)
  const at = deps.clock()
  const id = newId(at.getTime())
  const sender = await deps.store.tx(async (tx) => {
    const row = await tx.senders.insert({
      id,
      businessId,
      displayName: value.displayName,
      phone: value.phone,
      region: value.region,
      billingCategory: value.billingCategory,
      useCase: value.useCase,
      details: value.details as unknown as Record<string, unknown>,
      state: 'DRAFT',
      stateReasons: null,
      ...progressColumns('DRAFT', value.details),
      createdAt: at,
      modifiedAt: at,
    })
    await tx.senders.addEvent({ id: newId(at.getTime()), senderId: id, fromState: null, toState: 'DRAFT', reason: null, createdAt: at })
    return row
  })
  return { sender, warnings }
}

export async function getSender(deps: Deps, businessId: string, id: string): Promise<SenderRow> {
  const s = isUuid(id) ? await deps.store.senders.get(businessId, id) : null
  if (!s) throw notFound(id)
  return s
}

/** A partial change: top-level fields replace; inside `details`, each part given replaces that part. */
export interface SenderChanges {
  displayName?: string
  phone?: string
  region?: SenderInput['region']
  billingCategory?: string
  useCase?: SenderInput['useCase']
  details?: Partial<SenderInput['details']>
}

function asInput(s: SenderRow): SenderInput {
  const d = detailsOf(s)
  return {
    displayName: s.displayName,
    phone: s.phone,
    region: s.region as SenderInput['region'],
    billingCategory: s.billingCategory,
    useCase: s.useCase as SenderInput['useCase'],
    details: { brand: d.brand, testNumbers: d.testNumbers, countries: d.countries, questionnaire: d.questionnaire },
  }
}

export async function updateSender(deps: Deps, businessId: string, id: string, changes: SenderChanges): Promise<CreatedSender> {
  const current = await getSender(deps, businessId, id)
  if (!mayEdit(stateOf(current))) throw invalidTransition(current, 'edit', 'a sender can be edited only in DRAFT or REJECTED.')
  const base = asInput(current)
  const { value, warnings } = checked({
    displayName: changes.displayName ?? base.displayName,
    phone: changes.phone ?? base.phone,
    region: changes.region ?? base.region,
    billingCategory: changes.billingCategory ?? base.billingCategory,
    useCase: changes.useCase ?? base.useCase,
    // Only the parts given replace (an explicit undefined from a caller keeps the stored part).
    details: { ...base.details, ...Object.fromEntries(Object.entries(changes.details ?? {}).filter(([, v]) => v !== undefined)) },
  })
  const at = deps.clock()
  const row = await deps.store.senders.updateIn(businessId, id, EDITABLE_STATES, {
    displayName: value.displayName,
    phone: value.phone,
    region: value.region,
    billingCategory: value.billingCategory,
    useCase: value.useCase,
    details: value.details as unknown as Record<string, unknown>,
    ...progressColumns(stateOf(current), value.details),
    modifiedAt: at,
  })
  // Moved on (submitted) or deleted between the read and the write: say which.
  if (!row) throw invalidTransition(await getSender(deps, businessId, id), 'edit', 'a sender can be edited only in DRAFT or REJECTED.')
  return { sender: row, warnings }
}

export async function deleteSender(deps: Deps, businessId: string, id: string): Promise<SenderRow> {
  const current = await getSender(deps, businessId, id)
  const hint = 'a launched sender is a live number (remove it with DELETE /v1/numbers/:id), and a launching one must finish first.'
  if (!mayDelete(stateOf(current))) throw invalidTransition(current, 'delete', hint)
  const at = deps.clock()
  const deletable = SENDER_STATES.filter(mayDelete)
  // Soft delete: if the sender already has a test number, the number keeps refusing sends (see
  // assertSenderMayMessage), which a vanished row could not do. Pending review stops (due_at cleared).
  const row = await deps.store.senders.updateIn(businessId, id, deletable, { deletedAt: at, dueAt: null, secretsEnc: null, modifiedAt: at })
  if (!row) throw invalidTransition(await getSender(deps, businessId, id), 'delete', hint)
  return row
}

// ---------------------------------------------------------------------------------------------
// Lists

export interface SenderListQuery {
  pageSize: number
  pageToken?: string
  states?: string[]
  senderIds?: string[]
  search?: string
  name?: string
  sortColumn?: SenderSortColumn
  sortDirection?: SortDirection
}

export interface SenderPage {
  items: SenderRow[]
  next?: string
  totalSize: number
}

/** The page token: the sort it belongs to, and the last row's key in that sort. */
interface SenderCursor extends Record<string, unknown> {
  c: SenderSortColumn
  d: SortDirection
  v: string | number
  id: string
}

const isCursor = (v: Record<string, unknown>): v is SenderCursor =>
  typeof v.c === 'string' &&
  ['CREATED', 'MODIFIED', 'NAME', 'STATE'].includes(v.c) &&
  (v.d === 'ASC' || v.d === 'DESC') &&
  typeof v.id === 'string' &&
  isUuid(v.id) &&
  (v.c === 'STATE' ? Number.isInteger(v.v) : typeof v.v === 'string' && (v.c === 'NAME' || !Number.isNaN(Date.parse(v.v))))

export async function listSenders(deps: Deps, businessId: string, q: SenderListQuery): Promise<SenderPage> {
  const column = q.sortColumn ?? 'CREATED'
  const direction = q.sortDirection ?? 'DESC'
  const cursor = decodePageToken(q.pageToken, isCursor)
  if (cursor && (cursor.c !== column || cursor.d !== direction)) {
    throw ValidationError.fields(
      `This page_token belongs to a list sorted by ${cursor.c} ${cursor.d}; keep that sort_column and sort_direction while paging, or start again without a page_token.`,
      [{ field: 'page_token', problem: `was issued for sort ${cursor.c} ${cursor.d}` }],
      'invalid_page_token',
    )
  }
  const filter: SenderFilter = { businessId, states: q.states, senderIds: q.senderIds, search: q.search, name: q.name }
  const after: SenderKey | undefined = cursor ? { value: cursor.v, id: cursor.id } : undefined
  const [rows, totalSize] = await Promise.all([
    deps.store.senders.list(filter, { column, direction }, after, q.pageSize + 1),
    deps.store.senders.count(filter),
  ])
  const page = rows.slice(0, q.pageSize)
  const last = page[page.length - 1]
  const next = rows.length > q.pageSize && last ? encodePageToken({ c: column, d: direction, v: last.key, id: last.row.id }) : undefined
  return { items: page.map((r) => r.row), next, totalSize }
}

export async function senderEvents(deps: Deps, businessId: string, id: string) {
  const s = await getSender(deps, businessId, id)
  return deps.store.senders.events(s.id)
}

// ---------------------------------------------------------------------------------------------
// Lifecycle requests (the job does the rest)

async function moveByRequest(deps: Deps, s: SenderRow, action: SenderAction, patch: SenderPatch, hint: string): Promise<SenderRow> {
  const from = stateOf(s)
  const t = transition(from, action)
  if (!t.ok) throw invalidTransition(s, action, hint)
  const at = deps.clock()
  const row = await deps.store.tx(async (tx) => {
    const r = await tx.senders.updateIn(s.businessId, s.id, [from], {
      ...patch,
      state: t.to,
      stateReasons: null,
      attempts: 0,
      ...progressColumns(t.to, detailsOf(s)),
      modifiedAt: at,
    })
    if (r) await tx.senders.addEvent({ id: newId(at.getTime()), senderId: s.id, fromState: from, toState: t.to, reason: null, createdAt: at })
    return r
  })
  if (!row) throw invalidTransition(await getSender(deps, s.businessId, s.id), action, hint)
  return row
}

export async function submitSender(deps: Deps, businessId: string, id: string, opts: { cloud?: CloudCredentials } = {}): Promise<SenderRow> {
  const s = await getSender(deps, businessId, id)
  const hint = 'submit a sender from DRAFT, or from REJECTED after fixing it with PATCH.'
  if (!transition(stateOf(s), 'submit').ok) throw invalidTransition(s, 'submit', hint)
  if (!opts.cloud && !emulatorTarget(deps)) {
    throw new RuleRefusedError(
      'cloud_credentials_required',
      'No WhatsApp emulator runs here (SWITCHBOARD_EMULATOR=off, or SWITCHBOARD_EMULATOR_URL unset), so this sender is provisioned on the Cloud API: send the number\'s cloud credentials (phone_number_id, waba_id, access_token, app_secret) in the submit body.',
      { sender_id: id },
    )
  }
  if (opts.cloud) {
    const existing = await numberByPhoneNumberId(deps, opts.cloud.phoneNumberId)
    if (existing) {
      throw new ConflictError(
        'number_exists',
        `The phone number id ${opts.cloud.phoneNumberId} is already connected as a number; a sender provisions a new number, so submit another one (or use the connected number directly).`,
        { phone_number_id: opts.cloud.phoneNumberId },
      )
    }
  }
  const emulator = !opts.cloud
  const at = deps.clock()
  return moveByRequest(
    deps,
    s,
    'submit',
    {
      provisioner: emulator ? 'emulator' : 'cloud',
      secretsEnc: opts.cloud ? deps.secrets.seal(JSON.stringify({ cloud: opts.cloud } satisfies SenderSecrets)) : null,
      // Cloud review is Switchboard's own checks, already passed: due at once. The emulator takes its time.
      dueAt: new Date(at.getTime() + (emulator ? deps.config.senderReviewDelayMs : 0)),
    },
    hint,
  )
}

const PIN = /^\d{6}$/

export async function launchSender(deps: Deps, businessId: string, id: string, opts: { pin?: string } = {}): Promise<SenderRow> {
  const s = await getSender(deps, businessId, id)
  const hint = 'launch a sender once it is IN_TEST (review approved), or again after a FAILED launch.'
  if (!transition(stateOf(s), 'launch').ok) throw invalidTransition(s, 'launch', hint)
  const emulator = s.provisioner !== 'cloud'
  if (opts.pin !== undefined && !PIN.test(opts.pin)) {
    throw ValidationError.fields('The pin must be 6 digits, such as 123456.', [{ field: 'pin', problem: 'must be 6 digits' }])
  }
  if (!emulator && opts.pin === undefined) {
    throw ValidationError.fields(
      "Launching on the Cloud API registers the number with its two-step verification PIN: send {\"pin\": \"123456\"} (the number's PIN if it has one, or the one to set).",
      [{ field: 'pin', problem: 'is required to launch on the Cloud API' }],
    )
  }
  // The emulator accepts any 6 digits; a real number keeps the PIN it is registered with.
  const pin = opts.pin ?? String(randomInt(0, 1_000_000)).padStart(6, '0')
  const at = deps.clock()
  return moveByRequest(
    deps,
    s,
    'launch',
    {
      secretsEnc: deps.secrets.seal(JSON.stringify({ ...secretsOf(deps, s), pin } satisfies SenderSecrets)),
      dueAt: new Date(at.getTime() + (emulator ? deps.config.senderLaunchDelayMs : 0)),
    },
    hint,
  )
}

// ---------------------------------------------------------------------------------------------
// The check sends make

// Every send asks. Most numbers were connected directly and have no sender: that answer is cached
// briefly to keep the check off the database on the hot path. A number that has a sender is always
// looked up, so a state change applies to the very next send. Lookups are group-committed: when the
// cached answer expires under load, the requests in flight share one query.
const SENDER_CACHE_MS = 2_000
const senderCache = new Map<string, { at: number; sender: SenderRow | null }>()
const senderLookups = perStore((deps) => groupLookup(async (ids) => byKey(await deps.store.senders.byNumberIds(ids), (s) => s.numberId as string)))

async function senderOfNumber(deps: Deps, numberId: string): Promise<SenderRow | null> {
  const now = Date.now()
  const hit = senderCache.get(numberId)
  if (hit && now - hit.at < SENDER_CACHE_MS) return hit.sender
  const sender = await senderLookups(deps)(numberId)
  if (senderCache.size > 10_000) senderCache.clear()
  if (sender) senderCache.delete(numberId)
  else senderCache.set(numberId, { at: now, sender: null })
  return sender
}

/**
 * Throws 422 when a send from `numberId` to `phone` is not allowed by the lifecycle of the sender the
 * number was provisioned from: before launch only its test numbers may be messaged. Numbers that did
 * not come from a sender (connected with POST /v1/numbers) are not affected. Call it in the send path
 * once the sending number is resolved, before anything is queued.
 */
export async function assertSenderMayMessage(deps: Deps, numberId: string, phone: string): Promise<void> {
  const s = await senderOfNumber(deps, numberId)
  if (!s) return
  const p = normalizePhone(phone)
  const e164 = p.ok ? p.e164 : phone
  const verdict = messagingVerdict(stateOf(s), s.deletedAt !== null, detailsOf(s).testNumbers, e164)
  if (verdict.ok) return
  const what =
    verdict.code === 'sender_test_recipient_only'
      ? `send to one of its test numbers, or launch the sender with POST /v1/senders/${s.id}/launch.`
      : s.deletedAt
        ? 'remove the number with DELETE /v1/numbers/:id and send from another one.'
        : 'send from a launched number.'
  throw new RuleRefusedError(verdict.code, `This number cannot message ${e164}: ${verdict.reason}; ${what}`, {
    number_id: numberId,
    sender_id: s.id,
    sender_state: s.state,
    test_numbers: detailsOf(s).testNumbers,
  })
}
