import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'

// The one home of phone normalisation: everything stored or compared is E.164 ("+14155550123").
// WhatsApp's wa_id is E.164 without the plus; people type spaces, dashes, brackets and 00 prefixes.

export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: string }

// Parsing with the full metadata costs tens of microseconds; the same phones come back again and again
// (every send to a customer, every webhook from them), so recent answers are kept.
const MEMO_SIZE = 20_000
const memo = new Map<string, PhoneResult>()

export function normalizePhone(input: string, defaultCountry?: CountryCode): PhoneResult {
  const key = `${defaultCountry ?? ''}\u0000${input}`
  const hit = memo.get(key)
  if (hit) return hit
  const result = parse(input, defaultCountry)
  if (memo.size >= MEMO_SIZE) memo.clear()
  memo.set(key, result)
  return result
}

function parse(input: string, defaultCountry?: CountryCode): PhoneResult {
  const raw = input.trim()
  if (raw === '') return { ok: false, problem: 'is empty; give a number in international format such as +14155550123' }
  if (/[a-z]/i.test(raw.replace(/^tel:/i, '').replace(/\s*(ext\.?|x)\s*\d+$/i, ''))) {
    return { ok: false, problem: 'contains letters; give digits in international format such as +14155550123' }
  }
  let candidate = raw.replace(/^tel:/i, '').replace(/[\s().-]/g, '')
  if (candidate.startsWith('00')) candidate = '+' + candidate.slice(2)
  // A bare run of digits is how WhatsApp writes wa_id: international, without the plus.
  const bareDigits = /^\d{8,15}$/.test(candidate) && !defaultCountry
  if (bareDigits) candidate = '+' + candidate
  if (!candidate.startsWith('+') && !defaultCountry) {
    return { ok: false, problem: 'has no country code; start it with + and the country code, such as +14155550123' }
  }
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry)
  if (bareDigits && !parsed?.isPossible()) {
    return { ok: false, problem: 'has no country code; start it with + and the country code, such as +14155550123' }
  }
  if (!parsed) return { ok: false, problem: 'is not a phone number; use international format such as +14155550123' }
  // "Possible" (a known country code and a length that country uses), not "valid": number-range
  // metadata lags reality, and WhatsApp itself accepts numbers from ranges the metadata does not know
  // yet. A number that is not on WhatsApp is reported by WhatsApp (131026) when it is messaged.
  if (!parsed.isPossible()) {
    return { ok: false, problem: `is not a possible number for country code +${parsed.countryCallingCode} (wrong length)` }
  }
  return { ok: true, e164: parsed.number }
}

/** E.164 for a WhatsApp wa_id ("14155550123" → "+14155550123"), trusting WhatsApp's own format. */
export function phoneFromWaId(waId: string): string {
  return waId.startsWith('+') ? waId : `+${waId}`
}

/** WhatsApp's wa_id for an E.164 number: digits only. */
export function waIdFromPhone(e164: string): string {
  return e164.replace(/^\+/, '')
}
