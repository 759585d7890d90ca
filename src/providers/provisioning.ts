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

export function emulatorProvisioner(baseUrl: string, timeoutMs = 10_000): SenderProvisioner {
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
      let res: Response
      try {
        res = await fetch(`${baseUrl}/_emulator/numbers/${encodeURIComponent(n.phoneNumberId)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
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
        const e = err as Error & { cause?: { code?: string } }
        throw new ProviderError(
          'provider_unavailable',
          `The emulator at ${baseUrl} could not be reached (${e.cause?.code ?? e.name}); start it (switchboard emulator) or set SWITCHBOARD_EMULATOR_URL.`,
          true,
        )
      }
      if (res.ok) {
        await res.body?.cancel().catch(() => {})
        return
      }
      const body = (await res.json().catch(() => null)) as { message?: string } | null
      const said = body?.message ?? `HTTP ${res.status}`
      if (res.status === 409) {
        throw new ProviderError('provider_rejected', `The emulator already has ${n.displayPhoneNumber} as another number: ${said}`, false, null, { field: 'phone' })
      }
      throw new ProviderError('provider_rejected', `The emulator refused the number: ${said}`, res.status >= 500, null)
    },
    checkLaunch(s) {
      if (s.displayName.toLowerCase().includes(EMULATOR_RULES.fail)) {
        throw new ProviderError(
          'provider_rejected',
          `Registration was refused: display names containing "${EMULATOR_RULES.fail}" cannot be launched (emulator rule). Launch another sender, or edit is not possible once in test.`,
          false,
          null,
          { field: 'display_name' },
        )
      }
    },
  }
}
