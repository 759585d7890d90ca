// What a sender is made of, and the semantic checks the JSON schema cannot express (phones, URLs,
// country codes, deprecated billing categories). Pure: the service calls `checkSender` and throws one
// ValidationError listing every problem, with the same `{ field, problem }` paths as schema errors.
import type { FieldProblem } from './errors.js'
import { normalizePhone } from './phone.js'

export const BILLING_CATEGORIES = ['CONVERSATIONAL', 'NON_CONVERSATIONAL'] as const
export type BillingCategory = (typeof BILLING_CATEGORIES)[number]

/** Accepted for old clients, stored as their replacement, answered with a Deprecation header. */
export const DEPRECATED_BILLING_CATEGORIES: Readonly<Record<string, BillingCategory>> = {
  SINGLE_MESSAGE: 'NON_CONVERSATIONAL',
  BASIC_MESSAGE: 'NON_CONVERSATIONAL',
  CONVERSATIONAL_LEGACY: 'CONVERSATIONAL',
}
export const ACCEPTED_BILLING_CATEGORIES = ['CONVERSATIONAL', 'NON_CONVERSATIONAL', 'SINGLE_MESSAGE', 'BASIC_MESSAGE', 'CONVERSATIONAL_LEGACY'] as const

export const USE_CASES = ['OTP', 'TRANSACTIONAL', 'PROMOTIONAL', 'MULTI_USE'] as const
export type UseCase = (typeof USE_CASES)[number]

/** Where the sender's data is hosted and billed. */
export const REGIONS = ['EU', 'US', 'APAC', 'BR'] as const
export type Region = (typeof REGIONS)[number]

export const MAX_TEST_NUMBERS = 20

export interface SenderBrand {
  name: string
  description: string | null
  emails: Array<{ label: string; address: string }>
  phones: Array<{ label: string; number: string }>
  websites: Array<{ label: string; url: string }>
  /** #RRGGBB, upper-cased. */
  color: string | null
  logoUrl: string | null
  bannerUrl: string | null
  privacyPolicyUrl: string | null
  termsOfServiceUrl: string | null
}

/** Stored as the `details` jsonb of a sender. */
export interface SenderDetails {
  brand: SenderBrand
  /** E.164 numbers that may receive messages while the sender is in test. */
  testNumbers: string[]
  /** ISO 3166-1 alpha-2 codes, upper-cased. */
  countries: string[]
  /** Free-form answers, kept as sent. */
  questionnaire: Record<string, unknown>
}

export interface SenderFields {
  displayName: string
  phone: string
  region: Region
  billingCategory: BillingCategory
  useCase: UseCase
  details: SenderDetails
}

/** What a caller sends (already shaped by the JSON schema; values not yet checked). */
export interface SenderInput {
  displayName: string
  phone: string
  region: Region
  billingCategory: string
  useCase: UseCase
  details: {
    brand: {
      name: string
      description?: string | null
      emails?: Array<{ label: string; address: string }>
      phones?: Array<{ label: string; number: string }>
      websites?: Array<{ label: string; url: string }>
      color?: string | null
      logoUrl?: string | null
      bannerUrl?: string | null
      privacyPolicyUrl?: string | null
      termsOfServiceUrl?: string | null
    }
    testNumbers?: string[]
    countries?: string[]
    questionnaire?: Record<string, unknown>
  }
}

export interface CheckedSender {
  value: SenderFields
  problems: FieldProblem[]
  /** Deprecations the caller should hear about (the route adds a Deprecation header when non-empty). */
  warnings: string[]
}

// ISO 3166-1 alpha-2, officially assigned codes (249). Intl and libphonenumber both include extra,
// non-ISO regions (EU, XK, AC, …), so the list is spelled out.
const ISO_COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
    'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
)

export function isCountryCode(code: string): boolean {
  return ISO_COUNTRIES.has(code)
}

const COLOR = /^#[0-9A-Fa-f]{6}$/
// Deliberately plain: one @, something on each side, a dot in the domain, no spaces. Deliverability
// is the business's concern; this catches typos such as a missing @ or a comma.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function httpUrlProblem(value: string): string | null {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    return 'must be an absolute URL such as https://example.com/page'
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be an http(s) URL'
  if (!u.hostname.includes('.') && u.hostname !== 'localhost') return 'must name a public host such as example.com'
  return null
}

/** The stored billing category for an accepted one, and a warning when it is deprecated. */
export function canonicalBillingCategory(input: string): { category: BillingCategory; warning: string | null } | null {
  if ((BILLING_CATEGORIES as readonly string[]).includes(input)) return { category: input as BillingCategory, warning: null }
  const replacement = DEPRECATED_BILLING_CATEGORIES[input]
  if (!replacement) return null
  return {
    category: replacement,
    warning: `billing_category ${input} is deprecated and was stored as ${replacement}; send ${replacement} from now on.`,
  }
}

/**
 * Normalises a sender (E.164 phones, upper-case codes, trimmed text) and lists every problem by its
 * API path, e.g. `details.brand.phones[0].number`. Callers throw when `problems` is not empty.
 */
export function checkSender(input: SenderInput): CheckedSender {
  const problems: FieldProblem[] = []
  const warnings: string[] = []
  const bad = (field: string, problem: string) => problems.push({ field, problem })
  const text = (v: string | null | undefined) => (v === undefined || v === null ? null : v.trim() === '' ? null : v.trim())

  const displayName = input.displayName.trim()
  if (displayName === '') bad('display_name', 'must not be blank')

  const phone = normalizePhone(input.phone)
  if (!phone.ok) bad('phone', phone.problem)

  const billing = canonicalBillingCategory(input.billingCategory)
  if (!billing) bad('billing_category', `must be one of ${BILLING_CATEGORIES.join(', ')}`)
  else if (billing.warning) warnings.push(billing.warning)

  const b = input.details.brand
  const brandName = b.name.trim()
  if (brandName === '') bad('details.brand.name', 'must not be blank')

  const emails = (b.emails ?? []).map((e, i) => {
    const address = e.address.trim()
    if (!EMAIL.test(address)) bad(`details.brand.emails[${i}].address`, 'must be an email address such as support@example.com')
    return { label: e.label.trim(), address: address.toLowerCase() }
  })
  const phones = (b.phones ?? []).map((p, i) => {
    const n = normalizePhone(p.number)
    if (!n.ok) bad(`details.brand.phones[${i}].number`, n.problem)
    return { label: p.label.trim(), number: n.ok ? n.e164 : p.number }
  })
  const websites = (b.websites ?? []).map((w, i) => {
    const problem = httpUrlProblem(w.url.trim())
    if (problem) bad(`details.brand.websites[${i}].url`, problem)
    return { label: w.label.trim(), url: w.url.trim() }
  })
  const color = text(b.color)
  if (color !== null && !COLOR.test(color)) bad('details.brand.color', 'must be a colour as #RRGGBB, such as #1A2B3C')
  const url = (field: string, v: string | null | undefined): string | null => {
    const t = text(v)
    if (t === null) return null
    const problem = httpUrlProblem(t)
    if (problem) bad(`details.brand.${field}`, problem)
    return t
  }
  const brand: SenderBrand = {
    name: brandName,
    description: text(b.description),
    emails,
    phones,
    websites,
    color: color?.toUpperCase() ?? null,
    logoUrl: url('logo_url', b.logoUrl),
    bannerUrl: url('banner_url', b.bannerUrl),
    privacyPolicyUrl: url('privacy_policy_url', b.privacyPolicyUrl),
    termsOfServiceUrl: url('terms_of_service_url', b.termsOfServiceUrl),
  }

  const testNumbers: string[] = []
  const rawTests = input.details.testNumbers ?? []
  if (rawTests.length > MAX_TEST_NUMBERS) bad('details.test_numbers', `must list at most ${MAX_TEST_NUMBERS} numbers`)
  rawTests.forEach((t, i) => {
    const n = normalizePhone(t)
    if (!n.ok) return bad(`details.test_numbers[${i}]`, n.problem)
    if (testNumbers.includes(n.e164)) return bad(`details.test_numbers[${i}]`, `repeats ${n.e164}`)
    testNumbers.push(n.e164)
  })

  const countries: string[] = []
  ;(input.details.countries ?? []).forEach((c, i) => {
    const code = c.trim().toUpperCase()
    if (!isCountryCode(code)) return bad(`details.countries[${i}]`, 'must be an ISO 3166-1 alpha-2 country code such as DE or US')
    if (countries.includes(code)) return bad(`details.countries[${i}]`, `repeats ${code}`)
    countries.push(code)
  })

  return {
    value: {
      displayName,
      phone: phone.ok ? phone.e164 : input.phone,
      region: input.region,
      billingCategory: billing?.category ?? 'CONVERSATIONAL',
      useCase: input.useCase,
      details: { brand, testNumbers, countries, questionnaire: input.details.questionnaire ?? {} },
    },
    problems,
    warnings,
  }
}

/** The message for a list of problems: every field named, so the caller fixes them in one go. */
export function problemsMessage(problems: FieldProblem[]): string {
  return `Some fields in the body are invalid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}. Fix them and try again.`
}

/** Per test number, whether it may receive messages yet. */
export function testNumberStates(testNumbers: readonly string[], state: string): Record<string, 'PENDING' | 'ACTIVE'> {
  const active = state === 'IN_TEST' || state === 'LAUNCHING' || state === 'FAILED' || state === 'LAUNCHED'
  return Object.fromEntries(testNumbers.map((n) => [n, active ? 'ACTIVE' : 'PENDING']))
}

/** Per country, how far the sender has got there. */
export function countryStatus(countries: readonly string[], state: string): Record<string, string> {
  const status =
    state === 'LAUNCHED' ? 'LAUNCHED' : state === 'REJECTED' ? 'REJECTED' : state === 'DRAFT' ? 'NOT_SUBMITTED' : state === 'IN_REVIEW' ? 'IN_REVIEW' : 'APPROVED'
  return Object.fromEntries(countries.map((c) => [c, status]))
}
