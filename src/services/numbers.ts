import { randomBytes } from 'node:crypto'
import { ConflictError, NotFoundError, ProviderError, RuleRefusedError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { normalizePhone } from '../domain/phone.js'
import type { NumberCredentials } from '../providers/index.js'
import { pgCode } from '../store/handle.js'
import type { NumberPatch, NumberRow } from '../store/numbers.js'
import type { Config } from '../config.js'
import type { Deps } from './deps.js'
import { byKey, groupLookup, perStore } from './group-commit.js'

// WhatsApp numbers: connect, list, change, disconnect; and the look-ups every other area needs
// (the number to send from, its decrypted credentials, the number a webhook is for).

export type { NumberRow } from '../store/numbers.js'

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com'
export const DEFAULT_GRAPH_VERSION = 'v23.0'
export const DEFAULT_THROUGHPUT_MPS = 80

export interface NumberInput {
  displayPhoneNumber: string
  name: string
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
  verifyToken?: string | null
  graphBaseUrl?: string
  graphVersion?: string
  throughputMps?: number
  isDefault?: boolean
  provider?: string
}

export interface NumberChanges {
  name?: string
  accessToken?: string
  appSecret?: string
  verifyToken?: string | null
  graphBaseUrl?: string
  graphVersion?: string
  throughputMps?: number
  isDefault?: boolean
}

const GRAPH_VERSION = /^v\d{1,3}\.\d{1,3}$/
const META_ID = /^\d{1,32}$/

function checkUrl(url: string, problems: FieldProblem[]): string {
  let ok = false
  try {
    const u = new URL(url)
    ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash
  } catch {
    ok = false
  }
  if (!ok) problems.push({ field: 'graph_base_url', problem: 'must be an http(s) URL without query string, such as https://graph.facebook.com' })
  return url.replace(/\/+$/, '')
}

function checkCommon(c: NumberChanges, problems: FieldProblem[]): void {
  if (c.graphVersion !== undefined && !GRAPH_VERSION.test(c.graphVersion)) {
    problems.push({ field: 'graph_version', problem: 'must look like v23.0' })
  }
  if (c.throughputMps !== undefined && (!Number.isInteger(c.throughputMps) || c.throughputMps < 1 || c.throughputMps > 10_000)) {
    problems.push({ field: 'throughput_mps', problem: 'must be a whole number from 1 to 10000' })
  }
  if (c.name !== undefined && (c.name.trim() === '' || c.name.length > 100)) problems.push({ field: 'name', problem: 'must be 1 to 100 characters' })
  for (const [field, v] of [['access_token', c.accessToken], ['app_secret', c.appSecret]] as const) {
    if (v !== undefined && v.trim() === '') problems.push({ field, problem: 'must not be empty' })
  }
}

function invalid(problems: FieldProblem[]): ValidationError {
  const list = problems.map((p) => `${p.field} ${p.problem}`).join('; ')
  return ValidationError.fields(`Some fields in the body are invalid: ${list}. Fix them and try again.`, problems)
}

const notFound = (id: string) =>
  new NotFoundError('not_found', `No WhatsApp number has the id ${id}; list your numbers with GET /v1/numbers.`, { id })

/** Connects a WhatsApp number. The business's first number becomes its default. */
export async function createNumber(deps: Deps, businessId: string, input: NumberInput): Promise<NumberRow> {
  const problems: FieldProblem[] = []
  const phone = normalizePhone(input.displayPhoneNumber)
  if (!phone.ok) problems.push({ field: 'display_phone_number', problem: phone.problem })
  if (!META_ID.test(input.phoneNumberId)) problems.push({ field: 'phone_number_id', problem: "must be Meta's numeric phone number id" })
  if (!META_ID.test(input.wabaId)) problems.push({ field: 'waba_id', problem: "must be Meta's numeric WhatsApp Business Account id" })
  const graphBaseUrl = checkUrl(input.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL, problems)
  checkCommon(input, problems)
  const provider = input.provider ?? 'cloud'
  if (!deps.providers.names.includes(provider)) problems.push({ field: 'provider', problem: `must be one of ${deps.providers.names.join(', ')}` })
  if (problems.length) throw invalid(problems)

  const at = deps.clock()
  try {
    return await deps.store.tx(async (tx) => {
      const first = (await tx.numbers.count(businessId)) === 0
      const isDefault = first || input.isDefault === true
      if (isDefault) await tx.numbers.unsetDefault(businessId, null, at)
      const row = await tx.numbers.insert({
        id: newId(),
        businessId,
        provider,
        name: input.name.trim(),
        displayPhoneNumber: phone.ok ? phone.e164 : '',
        phoneNumberId: input.phoneNumberId,
        wabaId: input.wabaId,
        accessTokenEnc: deps.secrets.seal(input.accessToken),
        appSecretEnc: deps.secrets.seal(input.appSecret),
        verifyTokenEnc: input.verifyToken ? deps.secrets.seal(input.verifyToken) : null,
        graphBaseUrl,
        graphVersion: input.graphVersion ?? DEFAULT_GRAPH_VERSION,
        throughputMps: input.throughputMps ?? DEFAULT_THROUGHPUT_MPS,
        isDefault,
        status: 'connected',
        statusReason: null,
        createdAt: at,
        updatedAt: at,
      })
      if (!row) throw taken(input.phoneNumberId)
      return row
    }).finally(() => forgetNumbers(deps))
  } catch (err) {
    // Two concurrent first numbers race on the one-default index; the loser is simply not default.
    if (pgCode(err) === '23505') throw taken(input.phoneNumberId)
    throw err
  }
}

const taken = (phoneNumberId: string) =>
  new ConflictError(
    'number_exists',
    `The phone number id ${phoneNumberId} is already connected; update that number with PATCH /v1/numbers/:id instead of adding it again.`,
    { phone_number_id: phoneNumberId },
  )

export async function listNumbers(deps: Deps, businessId: string): Promise<NumberRow[]> {
  return deps.store.numbers.list(businessId)
}

export async function getNumber(deps: Deps, businessId: string, id: string): Promise<NumberRow> {
  const n = isUuid(id) ? await deps.store.numbers.get(businessId, id) : null
  if (!n) throw notFound(id)
  return n
}

/** Changes a number. A new access token reconnects a disconnected number; is_default moves the default here. */
export async function updateNumber(deps: Deps, businessId: string, id: string, c: NumberChanges): Promise<NumberRow> {
  const current = await getNumber(deps, businessId, id)
  const problems: FieldProblem[] = []
  const patch: NumberPatch = {}
  if (c.graphBaseUrl !== undefined) patch.graphBaseUrl = checkUrl(c.graphBaseUrl, problems)
  checkCommon(c, problems)
  if (c.isDefault === false && current.isDefault) {
    throw new RuleRefusedError(
      'default_number_required',
      'A business always has one default number; make another number the default (is_default: true on it) instead.',
      { id },
    )
  }
  if (problems.length) throw invalid(problems)
  if (c.name !== undefined) patch.name = c.name.trim()
  if (c.graphVersion !== undefined) patch.graphVersion = c.graphVersion
  if (c.throughputMps !== undefined) patch.throughputMps = c.throughputMps
  if (c.appSecret !== undefined) patch.appSecretEnc = deps.secrets.seal(c.appSecret)
  if (c.verifyToken !== undefined) patch.verifyTokenEnc = c.verifyToken ? deps.secrets.seal(c.verifyToken) : null
  if (c.accessToken !== undefined) {
    patch.accessTokenEnc = deps.secrets.seal(c.accessToken)
    patch.status = 'connected'
    patch.statusReason = null
  }
  const at = deps.clock()
  return deps.store.tx(async (tx) => {
    if (c.isDefault === true && !current.isDefault) {
      await tx.numbers.unsetDefault(businessId, id, at)
      patch.isDefault = true
    }
    const row = await tx.numbers.update(businessId, id, patch, at)
    if (!row) throw notFound(id)
    return row
  }).finally(() => forgetNumbers(deps))
}

/** Removes a number with its conversations and messages; another number becomes the default. */
export async function deleteNumber(deps: Deps, businessId: string, id: string): Promise<NumberRow> {
  if (!isUuid(id)) throw notFound(id)
  const at = deps.clock()
  return deps.store.tx(async (tx) => {
    const row = await tx.numbers.delete(businessId, id)
    if (!row) throw notFound(id)
    if (row.isDefault) await tx.numbers.promoteOldest(businessId, at)
    return row
  }).finally(() => forgetNumbers(deps))
}

// Every send resolves its number: group-committed, a burst of sends costs one query.
const numberLookups = perStore((deps) => groupLookup(async (ids) => byKey(await deps.store.numbers.byIds(ids), (n) => n.id)))
const defaultLookups = perStore((deps) => groupLookup(async (businessIds) => byKey(await deps.store.numbers.defaultsFor(businessIds), (n) => n.businessId)))

/**
 * The number a send goes out from: the one named, or the business's default. 404 for an id that is not
 * this business's; 422 when there is no default or the number is disconnected.
 */

export async function resolveSendingNumber(deps: Deps, businessId: string, numberId?: string | null): Promise<NumberRow> {
  let n: NumberRow | null
  if (numberId) {
    n = isUuid(numberId) ? await numberLookups(deps)(numberId.toLowerCase()) : null
    if (!n || n.businessId !== businessId) throw notFound(numberId)
  } else {
    n = await defaultLookups(deps)(businessId)
    if (!n) {
      throw new RuleRefusedError(
        'no_number',
        'This business has no WhatsApp number yet; connect one with POST /v1/numbers (or run `switchboard init` for the emulator).',
      )
    }
  }
  if (n.status === 'disconnected') {
    throw new RuleRefusedError(
      'number_disconnected',
      `The number ${n.displayPhoneNumber} is disconnected (${n.statusReason ?? 'Meta refused its token'}); give it a new access_token with PATCH /v1/numbers/${n.id}.`,
      { number_id: n.id },
    )
  }
  return n
}

/** What the provider adapter needs for this number, secrets decrypted. Never log the result. */
export function credentialsFor(deps: Pick<Deps, 'secrets'>, n: NumberRow): NumberCredentials {
  return {
    phoneNumberId: n.phoneNumberId,
    wabaId: n.wabaId,
    accessToken: deps.secrets.open(n.accessTokenEnc),
    graphBaseUrl: n.graphBaseUrl,
    graphVersion: n.graphVersion,
  }
}

export function appSecretOf(deps: Pick<Deps, 'secrets'>, n: NumberRow): string {
  return deps.secrets.open(n.appSecretEnc)
}

export function verifyTokenOf(deps: Pick<Deps, 'secrets'>, n: NumberRow): string | null {
  return n.verifyTokenEnc ? deps.secrets.open(n.verifyTokenEnc) : null
}

/** Meta answered 190 (invalid token): the number says so in GET /v1/numbers/:id until a new token is set. */
export async function markDisconnected(deps: Deps, numberId: string, reason: string): Promise<void> {
  await deps.store.numbers.setStatus(numberId, 'disconnected', reason.slice(0, 500), deps.clock())
  forgetNumbers(deps)
}

/**
 * For callers of the provider (dispatcher, templates, media): Meta's 190 means the token is dead, so
 * the number is marked disconnected with Meta's words. Returns true when it did.
 */
export async function noteProviderError(deps: Deps, numberId: string, err: unknown): Promise<boolean> {
  if (!(err instanceof ProviderError) || err.providerCode !== 190) return false
  await markDisconnected(deps, numberId, err.message)
  return true
}

export function numberByPhoneNumberId(deps: Deps, phoneNumberId: string): Promise<NumberRow | null> {
  return deps.store.numbers.byPhoneNumberId(phoneNumberId)
}

export function numbersByWaba(deps: Deps, wabaId: string): Promise<NumberRow[]> {
  return deps.store.numbers.byWaba(wabaId)
}

// Webhooks look their number up on every POST (thousands a second at peak). A short per-process cache
// keeps that off the database, with the app secret decrypted once. Changes made in this process clear
// it at once; other processes see them within NUMBER_CACHE_MS.
export interface WebhookNumber {
  row: NumberRow
  appSecret: string
}
const NUMBER_CACHE_MS = 2_000
const numberCaches = new WeakMap<object, Map<string, { at: number; value: WebhookNumber[] }>>()

function forgetNumbers(deps: Deps): void {
  numberCaches.get(deps.store)?.clear()
}

async function cached(deps: Deps, key: string, load: () => Promise<NumberRow[]>): Promise<WebhookNumber[]> {
  let cache = numberCaches.get(deps.store)
  if (!cache) numberCaches.set(deps.store, (cache = new Map()))
  const now = Date.now()
  const hit = cache.get(key)
  if (hit && now - hit.at < NUMBER_CACHE_MS) return hit.value
  const value = (await load()).map((row) => ({ row, appSecret: appSecretOf(deps, row) }))
  if (cache.size > 10_000) cache.clear()
  cache.set(key, { at: now, value })
  return value
}

/** The number a webhook change is for (metadata.phone_number_id), cached briefly; null when unknown. */
export async function webhookNumber(deps: Deps, phoneNumberId: string): Promise<WebhookNumber | null> {
  const [n] = await cached(deps, `p:${phoneNumberId}`, async () => {
    const row = await deps.store.numbers.byPhoneNumberId(phoneNumberId)
    return row ? [row] : []
  })
  return n ?? null
}

/** The numbers of a WABA (template updates are routed by entry.id), cached briefly. */
export function webhookNumbersOfWaba(deps: Deps, wabaId: string): Promise<WebhookNumber[]> {
  return cached(deps, `w:${wabaId}`, () => deps.store.numbers.byWaba(wabaId))
}

// ---------------------------------------------------------------------------------------------
// The built-in emulator's default number (switchboard init)

export function emulatorWanted(config: Pick<Config, 'emulator' | 'production'>): boolean {
  return config.emulator === 'on' || (config.emulator === 'auto' && !config.production)
}

/** The built-in emulator's base URL: what numbers on it carry as graph_base_url. */
export function embeddedEmulatorUrl(config: Pick<Config, 'emulatorPort'>): string {
  return `http://127.0.0.1:${config.emulatorPort}`
}

// Display phones for emulator numbers: North American 555-0100…0199 is reserved for fiction, and
// valid for phone parsers under a real area code (+1 555 itself is not a valid area code).
const FICTION_AREAS = ['650', '415', '212', '312', '617', '202', '305', '702', '805', '917']

const digits = (n: number): string => {
  const s = Array.from(randomBytes(n), (b) => String(b % 10)).join('')
  return s[0] === '0' ? `1${s.slice(1)}` : s
}

/**
 * Connects a new number on the built-in emulator to the business (made the default if it is the first)
 * and registers it with the emulator now when this process runs one; otherwise the server registers it
 * at its next start.
 */
export async function createEmulatorNumber(deps: Deps, businessId: string, name = 'WhatsApp (emulator)'): Promise<NumberRow> {
  const taken = new Set((await deps.store.numbers.all()).map((n) => n.displayPhoneNumber))
  let display = ''
  for (const area of FICTION_AREAS) {
    for (let i = 0; i < 100 && !display; i++) {
      const candidate = `+1${area}55501${String(i).padStart(2, '0')}`
      if (!taken.has(candidate)) display = candidate
    }
    if (display) break
  }
  if (!display) display = `+1650${digits(7)}`
  const row = await createNumber(deps, businessId, {
    displayPhoneNumber: display,
    name,
    phoneNumberId: digits(15),
    wabaId: digits(15),
    accessToken: `EAAG${randomBytes(24).toString('base64url')}`,
    appSecret: randomBytes(16).toString('hex'),
    verifyToken: randomBytes(12).toString('hex'),
    graphBaseUrl: deps.emulator?.url ?? embeddedEmulatorUrl(deps.config),
  })
  if (deps.emulator) {
    await deps.emulator.register({
      phoneNumberId: row.phoneNumberId,
      displayPhoneNumber: row.displayPhoneNumber,
      wabaId: row.wabaId,
      accessToken: credentialsFor(deps, row).accessToken,
      appSecret: appSecretOf(deps, row),
      name: row.name,
      throughputMps: row.throughputMps,
    })
  }
  return row
}
