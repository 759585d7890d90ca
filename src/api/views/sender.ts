import { Type } from 'typebox'
import { SENDER_ACTIONS, SENDER_STATES } from '../../domain/sender-lifecycle.js'
import { BILLING_CATEGORIES, REGIONS, USE_CASES } from '../../domain/sender.js'
import { detailsOf, reasonsOf, type SenderRow } from '../../services/senders.js'
import type { SenderEventRow } from '../../store/senders.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'


export const SenderStateSchema = Type.Enum(SENDER_STATES)
const NullableString = Type.Union([Type.String(), Type.Null()])

export const StateReasonView = Type.Object({
  field: Type.Union([Type.String(), Type.Null()], { description: 'The field the reason concerns, e.g. details.brand.name; null for the sender as a whole.' }),
  problem: Type.String(),
  provider_code: Type.Optional(Type.Integer({ description: "Meta's error code, when Meta refused." })),
})

export const SenderBrandView = Type.Object({
  name: Type.String(),
  description: NullableString,
  emails: Type.Array(Type.Object({ label: Type.String(), address: Type.String() })),
  phones: Type.Array(Type.Object({ label: Type.String(), number: Type.String() })),
  websites: Type.Array(Type.Object({ label: Type.String(), url: Type.String() })),
  color: NullableString,
  logo_url: NullableString,
  banner_url: NullableString,
  privacy_policy_url: NullableString,
  terms_of_service_url: NullableString,
})

export const SenderView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    display_name: Type.String(),
    phone: Type.String({ description: 'E.164.' }),
    region: Type.Enum(REGIONS),
    billing_category: Type.Enum(BILLING_CATEGORIES),
    use_case: Type.Enum(USE_CASES),
    details: Type.Object({
      brand: SenderBrandView,
      test_numbers: Type.Array(Type.String()),
      countries: Type.Array(Type.String()),
      questionnaire: Type.Record(Type.String(), Type.Unknown()),
    }),
    state: SenderStateSchema,
    state_reasons: Type.Array(StateReasonView, { description: 'Why the sender is REJECTED (per field) or FAILED; empty otherwise.' }),
    test_number_states: Type.Record(Type.String(), Type.String(), { description: 'Per test number: PENDING until review approves, then ACTIVE (may receive messages).' }),
    country_status: Type.Record(Type.String(), Type.String(), { description: 'Per country: NOT_SUBMITTED, IN_REVIEW, APPROVED, REJECTED or LAUNCHED.' }),
    number_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'The WhatsApp number made for this sender (from IN_TEST on; test numbers only until LAUNCHED).',
    }),
    provisioner: Type.Union([Type.Literal('emulator'), Type.Literal('cloud'), Type.Null()], { description: 'Where review and launch happen; set at submit.' }),
    created: Timestamp,
    modified: Timestamp,
    launched: NullableTimestamp,
  },
  { $id: 'Sender' },
)

export function toSenderView(s: SenderRow) {
  const d = detailsOf(s)
  return {
    id: s.id,
    display_name: s.displayName,
    phone: s.phone,
    region: s.region as (typeof REGIONS)[number],
    billing_category: s.billingCategory as (typeof BILLING_CATEGORIES)[number],
    use_case: s.useCase as (typeof USE_CASES)[number],
    details: {
      brand: {
        name: d.brand.name,
        description: d.brand.description,
        emails: d.brand.emails,
        phones: d.brand.phones,
        websites: d.brand.websites,
        color: d.brand.color,
        logo_url: d.brand.logoUrl,
        banner_url: d.brand.bannerUrl,
        privacy_policy_url: d.brand.privacyPolicyUrl,
        terms_of_service_url: d.brand.termsOfServiceUrl,
      },
      test_numbers: d.testNumbers,
      countries: d.countries,
      questionnaire: d.questionnaire,
    },
    state: s.state as (typeof SENDER_STATES)[number],
    state_reasons: reasonsOf(s).map((r) => ({ field: r.field, problem: r.problem, ...(typeof r.provider_code === 'number' ? { provider_code: r.provider_code } : {}) })),
    test_number_states: s.testNumberStates,
    country_status: s.countryStatus,
    number_id: s.numberId,
    provisioner: (s.provisioner as 'emulator' | 'cloud' | null) ?? null,
    created: iso(s.createdAt),
    modified: iso(s.modifiedAt),
    launched: isoOrNull(s.launchedAt),
  }
}

export const SenderEventView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    from_state: Type.Union([SenderStateSchema, Type.Null()], { description: 'Null for the creation of the sender.' }),
    to_state: SenderStateSchema,
    reasons: Type.Array(StateReasonView),
    created: Timestamp,
  },
  { $id: 'SenderEvent' },
)

export function toSenderEventView(e: SenderEventRow) {
  const reasons = Array.isArray(e.reason) ? (e.reason as Array<{ field: string | null; problem: string; provider_code?: number }>) : []
  return {
    id: e.id,
    from_state: (e.fromState as (typeof SENDER_STATES)[number] | null) ?? null,
    to_state: e.toState as (typeof SENDER_STATES)[number],
    reasons,
    created: iso(e.createdAt),
  }
}

export const AllowedTransitionView = Type.Object({ action: Type.Enum(SENDER_ACTIONS), to: SenderStateSchema })
