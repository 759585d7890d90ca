// The provisioning port: what sender review and launch ask of the outside world, beyond the
// WhatsAppProvider calls every number has (registerNumber, subscribeApp, which launch makes through
// the ordinary adapter). Two adapters:
//
// - emulator: review is simulated here, on Switchboard's side (Meta has no review API to emulate), with
//   rules a test or a person can trigger; numbers are added to the emulator through its control API.
// - cloud: Meta reviews the display name on its own schedule after registration, so Switchboard's
//   checks are the whole review; the number already exists in the business's WABA (added in Meta's UI
//   or by embedded signup), so adding it is a no-op.
//
// Adapters throw ProviderError with `retryable` decided here; they never touch the store.
import { ProviderError, type FieldProblem } from '../domain/errors.js'

export type ProvisionerKind = 'emulator' | 'cloud'

export interface ReviewSubject {
  displayName: string
  brandName: string
  phone: string
  countries: readonly string[]
}

export interface NumberToAdd {
  phoneNumberId: string
  wabaId: string
  /** E.164. */
  displayPhoneNumber: string
  accessToken: string
  appSecret: string
  verifiedName: string
  /** Where the provider posts this number's webhooks (Switchboard's /webhooks/whatsapp). */
  webhookUrl: string | null
}

export interface SenderProvisioner {
  readonly kind: ProvisionerKind
  /** Problems found by review, each on the field it concerns; empty when the sender is approved. */
  review(subject: ReviewSubject): FieldProblem[]
  /** Makes the number exist at the provider, so it can send to test numbers. Idempotent. */
  addNumber(n: NumberToAdd): Promise<void>
  /** A refusal only the provider knows about, before registration (the emulator's launch rule). */
  checkLaunch(subject: ReviewSubject): void
}

export const cloudProvisioner: SenderProvisioner = {
  kind: 'cloud',
  review: () => [],
  addNumber: async () => {},
  checkLaunch: () => {},
}

/** Words that make the emulator refuse, so every outcome can be played without a Meta account. */
export const EMULATOR_RULES = {
  /** A brand or display name containing this is REJECTED at review, with the reason on that field. */
  reject: 'reject',
  /** A display name containing this FAILS at launch. */
  fail: 'fail',
} as const

/** Where the emulator is, and (for the server's built-in one) how it registers a number itself. */
export interface EmulatorTarget {
  url: string
  /** The built-in emulator's own registration (it knows where to post webhooks); else the control API is called. */
  register?: (n: NumberToAdd) => Promise<void>
  timeoutMs?: number
}

function unreachable(url: string, err: unknown): ProviderError {
  const e = err as Error & { cause?: { code?: string } }
  return new ProviderError(
    'provider_unavailable',
    `The emulator at ${url} could not be reached (${e.cause?.code ?? e.name}); start it (switchboard emulator) or set SWITCHBOARD_EMULATOR_URL.`,
    true,
  )
}

/** The emulator's answer to PUT /_emulator/numbers as a ProviderError: a clash is final, its own failures are not. */
function refused(phone: string, status: number, said: string): ProviderError {
  if (status === 409) {
    return new ProviderError('provider_rejected', `The emulator already has ${phone} as another number: ${said}`, false, null, { field: 'phone' })
  }
  return new ProviderError('provider_rejected', `The emulator refused the number: ${said}`, status >= 500, null)
}

async function putNumber(target: EmulatorTarget, n: NumberToAdd): Promise<void> {
  let res: Response
  try {
    res = await fetch(`${target.url}/_emulator/numbers/${encodeURIComponent(n.phoneNumberId)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
      body: JSON.stringify({
        display_phone_number: n.displayPhoneNumber,
        waba_id: n.wabaId,
        access_token: n.accessToken,
        app_secret: n.appSecret,
        verified_name: n.verifiedName,
        webhook_url: n.webhookUrl,
      }),
    })
  } catch (err) {
    throw unreachable(target.url, err)
  }
  if (res.ok) {
    await res.body?.cancel().catch(() => {})
    return
  }
  const body = (await res.json().catch(() => null)) as { message?: string } | null
  throw refused(n.displayPhoneNumber, res.status, body?.message ?? `HTTP ${res.status}`)
}

export function emulatorProvisioner(target: EmulatorTarget): SenderProvisioner {
  return {
    kind: 'emulator',
    review(s) {
      const problems: FieldProblem[] = []
      if (s.brandName.toLowerCase().includes(EMULATOR_RULES.reject)) {
        problems.push({
          field: 'details.brand.name',
          problem: `was rejected by review: brand names containing "${EMULATOR_RULES.reject}" are refused (emulator rule); choose another name and resubmit`,
        })
      }
      if (s.displayName.toLowerCase().includes(EMULATOR_RULES.reject)) {
        problems.push({
          field: 'display_name',
          problem: `was rejected by review: display names containing "${EMULATOR_RULES.reject}" are refused (emulator rule); choose another name and resubmit`,
        })
      }
      return problems
    },
    async addNumber(n) {
      if (!target.register) return putNumber(target, n)
      try {
        await target.register(n)
      } catch (err) {
        // The built-in emulator's register says "…: <status> <body>" when the emulator answered.
        const m = /: (\d{3}) (.*)$/s.exec((err as Error).message ?? '')
        if (m) throw refused(n.displayPhoneNumber, Number(m[1]), m[2].slice(0, 300))
        throw unreachable(target.url, err)
      }
    },
    checkLaunch(s) {
      if (s.displayName.toLowerCase().includes(EMULATOR_RULES.fail)) {
        throw new ProviderError(
          'provider_rejected',
          `Registration was refused: display names containing "${EMULATOR_RULES.fail}" cannot be launched (emulator rule); create a sender with another display name.`,
          false,
          null,
          { field: 'display_name' },
        )
      }
    },
  }
}
