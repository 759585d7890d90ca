import { createHash, randomBytes } from 'node:crypto'
import { backoffMs } from '../domain/backoff.js'
import { AppError, ProviderError, ValidationError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { normalizePhone } from '../domain/phone.js'
import type { NumberInfo } from '../providers/index.js'
import { transition, type SenderAction } from '../domain/sender-lifecycle.js'
import { cloudProvisioner, emulatorProvisioner, type ReviewSubject, type SenderProvisioner } from '../providers/provisioning.js'
import type { SenderPatch, SenderRow } from '../store/senders.js'
import type { Deps } from './deps.js'
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION, createNumber, credentialsFor, numberByPhoneNumberId, type NumberRow } from './numbers.js'
import { detailsOf, emulatorTarget, progressColumns, secretsOf, stateOf, type StateReason } from './senders.js'

// Review and launch, run by the senders job for senders whose `due_at` has come. Each step is safe to
// run twice (a process may die mid-step and its lease expire): the number is found again by its
// phone_number_id, the emulator's PUT and Meta's register/subscribe are idempotent, and every state
// change names the state it expects.

/** How long a claimed sender is ours before another process may retake it. */
export const LEASE_MS = 60_000
/** Retryable failures (provider unreachable) are retried with backoff this many times, then the step fails. */
export const MAX_ATTEMPTS = 8
const RETRY_BASE_MS = 1_000
const RETRY_CAP_MS = 5 * 60_000

function provisionerFor(deps: Deps, s: SenderRow): SenderProvisioner {
  if (s.provisioner === 'cloud') return cloudProvisioner
  const target = emulatorTarget(deps)
  // Only processes with an emulator claim emulator senders (see advanceDueSenders); this is a guard.
  if (!target) throw new ProviderError('provider_unavailable', 'This process has no WhatsApp emulator to provision the sender with; another one will.', true)
  return emulatorProvisioner(target)
}

function subjectOf(s: SenderRow): ReviewSubject {
  const d = detailsOf(s)
  return { displayName: s.displayName, brandName: d.brand.name, phone: s.phone, countries: d.countries }
}

/** Ids the emulator number gets: derived from the sender (and business), so a retried step finds the same number. */
function digitsOf(seed: string, lead: string): string {
  const n = BigInt('0x' + createHash('sha256').update(seed).digest('hex').slice(0, 16)) % 10n ** 14n
  return lead + n.toString().padStart(14, '0')
}
export const emulatorPhoneNumberId = (senderId: string) => digitsOf(`sender:${senderId}`, '1')
export const emulatorWabaId = (businessId: string) => digitsOf(`waba:${businessId}`, '2')

function reasonOf(err: AppError): StateReason {
  const field = typeof err.details.field === 'string' ? err.details.field : null
  const providerCode = err instanceof ProviderError ? err.providerCode : null
  return { field, problem: err.message, ...(providerCode !== null ? { provider_code: providerCode } : {}) }
}

/** Moves a claimed sender along; null reasons clear the previous ones. No-op if it moved on meanwhile. */
async function finish(deps: Deps, s: SenderRow, action: SenderAction, reasons: StateReason[], extra: SenderPatch = {}): Promise<SenderRow | null> {
  const from = stateOf(s)
  const t = transition(from, action)
  if (!t.ok) return null
  const at = deps.clock()
  const stored = reasons.length > 0 ? (reasons as unknown as Array<Record<string, unknown>>) : null
  return deps.store.tx(async (tx) => {
    const row = await tx.senders.updateIn(null, s.id, [from], {
      ...extra,
      state: t.to,
      stateReasons: stored,
      dueAt: null,
      attempts: 0,
      ...progressColumns(t.to, detailsOf(s)),
      modifiedAt: at,
    })
    if (row) await tx.senders.addEvent({ id: newId(at.getTime()), senderId: s.id, fromState: from, toState: t.to, reason: stored, createdAt: at })
    return row
  })
}

/** A retryable failure: try again later, or give up with `terminal` once the attempts are spent. */
async function retryLater(deps: Deps, s: SenderRow, terminal: SenderAction, reason: StateReason): Promise<void> {
  const attempts = s.attempts + 1
  if (attempts >= MAX_ATTEMPTS) {
    await finish(deps, s, terminal, [{ ...reason, problem: `${reason.problem} (gave up after ${attempts} tries)` }])
    return
  }
  const due = new Date(deps.clock().getTime() + backoffMs(attempts, RETRY_BASE_MS, RETRY_CAP_MS))
  deps.log.warn({ senderId: s.id, state: s.state, attempts, due, reason: reason.problem }, 'sender step will be retried')
  await deps.store.senders.updateIn(null, s.id, [s.state], { attempts, dueAt: due })
}

/**
 * The number a sender tests (and later launches) with: made at the provider and in Switchboard, and
 * linked to the sender at once, so its sends are checked from the first moment.
 */
async function ensureNumber(deps: Deps, s: SenderRow, p: SenderProvisioner): Promise<NumberRow> {
  let n = s.numberId ? await deps.store.numbers.byId(s.numberId) : null
  let creds: { phoneNumberId: string; wabaId: string; accessToken: string; appSecret: string; graphBaseUrl?: string; graphVersion?: string }
  if (n) {
    creds = { ...credentialsFor(deps, n), appSecret: deps.secrets.open(n.appSecretEnc) }
  } else {
    if (p.kind === 'cloud') {
      const cloud = secretsOf(deps, s).cloud
      if (!cloud) throw new ProviderError('provider_rejected', 'The Cloud API credentials given at submit are gone; submit the sender again with them.', false)
      creds = cloud
    } else {
      creds = {
        phoneNumberId: emulatorPhoneNumberId(s.id),
        wabaId: emulatorWabaId(s.businessId),
        accessToken: `EAAG${randomBytes(24).toString('hex')}`,
        appSecret: randomBytes(16).toString('hex'),
        graphBaseUrl: emulatorTarget(deps)?.url,
      }
    }
    // A previous try may have made the number and died before linking it: adopt it, with its secrets.
    n = await numberByPhoneNumberId(deps, creds.phoneNumberId)
    if (n) {
      const owner = n.businessId === s.businessId ? await deps.store.senders.byNumberId(n.id) : null
      if (n.businessId !== s.businessId || (owner && owner.id !== s.id)) {
        throw new ProviderError('provider_rejected', `The phone number id ${creds.phoneNumberId} is already connected as another number; submit a sender for a new number.`, false, null, {
          field: p.kind === 'cloud' ? 'cloud.phone_number_id' : 'phone',
        })
      }
      creds = { ...creds, accessToken: deps.secrets.open(n.accessTokenEnc), appSecret: deps.secrets.open(n.appSecretEnc) }
    }
  }
  await p.addNumber({
    phoneNumberId: creds.phoneNumberId,
    wabaId: creds.wabaId,
    displayPhoneNumber: s.phone,
    accessToken: creds.accessToken,
    appSecret: creds.appSecret,
    verifiedName: s.displayName,
    webhookUrl: `${deps.config.publicUrl}/webhooks/whatsapp`,
  })
  if (!n) {
    try {
      n = await createNumber(deps, s.businessId, {
        displayPhoneNumber: s.phone,
        name: s.displayName,
        phoneNumberId: creds.phoneNumberId,
        wabaId: creds.wabaId,
        accessToken: creds.accessToken,
        appSecret: creds.appSecret,
        graphBaseUrl: creds.graphBaseUrl,
        graphVersion: creds.graphVersion,
      })
    } catch (err) {
      // Cloud credentials are checked at submit by the schema; what createNumber still refuses is theirs.
      if (err instanceof ValidationError) {
        const fields = (err.details.fields as Array<{ field: string; problem: string }> | undefined) ?? []
        throw new ProviderError('provider_rejected', `The number could not be connected: ${fields.map((f) => `cloud.${f.field} ${f.problem}`).join('; ') || err.message}`, false, null, {
          field: fields[0] ? `cloud.${fields[0].field}` : null,
        })
      }
      if (err instanceof AppError && err.code === 'number_exists') {
        throw new ProviderError('provider_rejected', err.message, false, null, { field: p.kind === 'cloud' ? 'cloud.phone_number_id' : 'phone' })
      }
      throw err
    }
  }
  await deps.store.senders.linkNumber(s.id, n.id)
  return n
}

/**
 * Cloud review: Meta must know the number under these credentials, as the sender's phone. A wrong token
 * or id is REJECTED on the credential at fault, so the business fixes it before anything is created.
 */
async function verifyCloudNumber(deps: Deps, s: SenderRow): Promise<void> {
  const cloud = secretsOf(deps, s).cloud
  if (!cloud) return // ensureNumber says so
  let info: NumberInfo
  try {
    info = await deps.providers.for({ provider: 'cloud' }).getNumberInfo({
      phoneNumberId: cloud.phoneNumberId,
      wabaId: cloud.wabaId,
      accessToken: cloud.accessToken,
      graphBaseUrl: cloud.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL,
      graphVersion: cloud.graphVersion ?? DEFAULT_GRAPH_VERSION,
    })
  } catch (err) {
    if (err instanceof ProviderError && !err.retryable) {
      // 190: the token; anything else Meta refuses about this call concerns the number's id.
      throw new ProviderError(err.code, err.message, false, err.providerCode, { ...err.details, field: err.providerCode === 190 ? 'cloud.access_token' : 'cloud.phone_number_id' })
    }
    throw err
  }
  const shown = info.displayPhoneNumber ? normalizePhone(info.displayPhoneNumber) : null
  if (shown?.ok && shown.e164 !== s.phone) {
    throw new ProviderError('provider_rejected', `Meta has ${shown.e164} under phone number id ${cloud.phoneNumberId}, not this sender's ${s.phone}; fix the phone or the phone_number_id and resubmit.`, false, null, {
      field: 'phone',
    })
  }
}

async function review(deps: Deps, s: SenderRow): Promise<void> {
  try {
    const p = provisionerFor(deps, s)
    const problems = p.review(subjectOf(s))
    if (problems.length > 0) {
      await finish(deps, s, 'reject', problems.map((pr) => ({ field: pr.field, problem: pr.problem })))
      return
    }
    if (p.kind === 'cloud') await verifyCloudNumber(deps, s)
    const n = await ensureNumber(deps, s, p)
    // Cloud credentials now live (sealed) on the number; nothing is kept on the sender.
    await finish(deps, s, 'approve', [], { numberId: n.id, secretsEnc: null })
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err
    if (err.retryable) await retryLater(deps, s, 'reject', reasonOf(err))
    else await finish(deps, s, 'reject', [reasonOf(err)])
  }
}

async function launch(deps: Deps, s: SenderRow): Promise<void> {
  const n = s.numberId ? await deps.store.numbers.byId(s.numberId) : null
  if (!n) {
    await finish(deps, s, 'fail', [{ field: null, problem: 'The number this sender was testing with has been deleted, so there is nothing to launch; create and submit a new sender.' }], { secretsEnc: null })
    return
  }
  try {
    const p = provisionerFor(deps, s)
    p.checkLaunch(subjectOf(s))
    const pin = secretsOf(deps, s).pin
    if (!pin) throw new ProviderError('provider_rejected', 'The PIN for registration is missing; launch the sender again.', false, null, { field: 'pin' })
    const creds = credentialsFor(deps, n)
    const provider = deps.providers.for(n)
    // Meta's order: register the number on the Cloud API (sets or checks its two-step PIN), then
    // subscribe our app to the WABA so its webhooks reach us.
    await provider.registerNumber(creds, pin)
    await provider.subscribeApp(creds)
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err
    if (err.retryable) await retryLater(deps, s, 'fail', reasonOf(err))
    else await finish(deps, s, 'fail', [reasonOf(err)], { secretsEnc: null })
    return
  }
  await finish(deps, s, 'complete', [], { launchedAt: deps.clock(), secretsEnc: null })
}

/** One step for one claimed sender. Unexpected errors are logged and retried like provider outages. */
export async function advanceSender(deps: Deps, s: SenderRow): Promise<void> {
  try {
    if (s.state === 'IN_REVIEW') await review(deps, s)
    else if (s.state === 'LAUNCHING') await launch(deps, s)
  } catch (err) {
    deps.log.error({ err, senderId: s.id, state: s.state }, 'sender step failed')
    await retryLater(deps, s, s.state === 'IN_REVIEW' ? 'reject' : 'fail', {
      field: null,
      problem: 'Provisioning hit an unexpected error on our side; see the server log.',
    }).catch((e: unknown) => deps.log.error({ err: e, senderId: s.id }, 'could not reschedule sender'))
  }
}

/** Claims the senders whose review or launch is due and advances each. Returns how many it claimed. */
export async function advanceDueSenders(deps: Deps, limit = 16): Promise<number> {
  const now = deps.clock()
  // A process without an emulator leaves emulator senders to one that has it (they share the database).
  const kinds = emulatorTarget(deps) ? ['emulator', 'cloud'] : ['cloud']
  const claimed = await deps.store.senders.claimDue(now, new Date(now.getTime() + LEASE_MS), limit, kinds)
  // The leases keep these rows ours (due_at pushed out), so they can be worked on concurrently.
  await Promise.all(claimed.map((s) => advanceSender(deps, s)))
  return claimed.length
}
