// Meta's errors → ProviderError. Classified by Meta's own `error.code`, never by HTTP status: Meta
// answers most refusals with 400 whatever the cause, and a retry decision made on status alone would
// resend closed-window messages forever or give up on throttling.
import { ProviderError } from '../../domain/errors.js'
import type { ProviderIssue } from '../port.js'

interface Rule {
  code: string
  retryable: boolean
  /** What the user should do; Meta's own text is appended. */
  say: string
  /** Backoff hint for the job runner when Meta sends no Retry-After. */
  retryAfterMs?: number
  /** The number's throughput meter was full (see ProviderError.throughputFull). */
  throughputFull?: true
}

const RATE = 'provider_rate_limited'

/** One row per Meta code we act on. Anything else is kept verbatim as `provider_error`. */
export const META_ERROR_TABLE: Readonly<Record<number, Rule>> = {
  131047: { code: 'window_closed', retryable: false, say: 'The 24-hour customer service window is closed; send an approved template instead.' },
  130429: { code: RATE, retryable: true, retryAfterMs: 1_000, throughputFull: true, say: "The number's throughput limit was reached; the send will be retried." },
  131056: { code: RATE, retryable: true, retryAfterMs: 10_000, say: 'Too many messages to this recipient in a short time; the send will be retried.' },
  131048: { code: RATE, retryable: true, retryAfterMs: 60_000, say: 'Meta is limiting this number for spam signals; sends will be retried more slowly.' },
  4: { code: RATE, retryable: true, retryAfterMs: 60_000, say: "The app's Graph API call limit was reached; the call will be retried." },
  80007: { code: RATE, retryable: true, retryAfterMs: 60_000, say: "The WhatsApp Business Account's call limit was reached; the call will be retried." },
  132000: { code: 'template_param_mismatch', retryable: false, say: "The number of template variables does not match the template; send exactly the template's variables." },
  132001: { code: 'template_not_found', retryable: false, say: 'The template does not exist in that language (or is not approved yet); check its name and language.' },
  132012: { code: 'template_param_format', retryable: false, say: "A template variable has the wrong format for the template; fix the variable's value." },
  132015: { code: 'template_paused', retryable: false, say: 'The template is paused for low quality; edit it or use another template.' },
  132016: { code: 'template_disabled', retryable: false, say: 'The template is disabled; create a new template.' },
  131026: { code: 'undeliverable', retryable: false, say: 'The message could not be delivered to this recipient (not on WhatsApp, or an outdated app).' },
  190: { code: 'invalid_token', retryable: false, say: "The number's access token is invalid or expired; reconnect the number with a new token." },
  // Meta documents 2 as "service temporarily unavailable".
  2: { code: 'provider_unavailable', retryable: true, retryAfterMs: 5_000, say: 'Meta is temporarily unavailable; the call will be retried.' },
}

/** What we know about one failed Graph call (or one `failed` status error). */
export interface MetaFailure {
  /** HTTP status, or null for webhook status errors and network failures. */
  httpStatus: number | null
  metaCode: number | null
  subcode?: number | null
  message: string | null
  title?: string | null
  type?: string | null
  details?: string | null
  fbtraceId?: string | null
  /** Parsed Retry-After header, in ms. */
  retryAfterMs?: number | null
}

/** The one classification function: every Graph error and every failed-status error goes through it. */
export function classifyMetaError(f: MetaFailure): ProviderError {
  const rule = f.metaCode === null ? undefined : META_ERROR_TABLE[f.metaCode]
  const metaText = [f.title, f.message].filter((s): s is string => !!s && s.length > 0)
  const said = metaText.length ? ` Meta said: ${metaText.join(': ')}${f.details ? ` (${f.details})` : ''}` : ''
  const details: Record<string, unknown> = {
    provider_message: f.message ?? null,
    ...(f.details ? { provider_details: f.details } : {}),
    ...(f.fbtraceId ? { fbtrace_id: f.fbtraceId } : {}),
    ...(f.subcode ? { provider_subcode: f.subcode } : {}),
    ...(f.httpStatus !== null ? { http_status: f.httpStatus } : {}),
  }
  if (rule) {
    const wait = rule.retryable ? (f.retryAfterMs ?? rule.retryAfterMs ?? null) : null
    return new ProviderError(rule.code, `${rule.say}${said}`, rule.retryable, f.metaCode, details, wait, rule.throughputFull === true)
  }
  if (f.httpStatus !== null && f.httpStatus >= 500) {
    return new ProviderError('provider_unavailable', `Meta could not handle the call (HTTP ${f.httpStatus}); it will be retried.${said}`, true, f.metaCode, details, f.retryAfterMs ?? null)
  }
  return new ProviderError('provider_error', `Meta refused the call${f.metaCode !== null ? ` (code ${f.metaCode})` : ''}.${said}`, false, f.metaCode, details)
}

/** Timeouts and network failures: the call may not have reached Meta, so it is retryable. */
export function unavailableError(reason: 'timeout' | 'network', detail: string, timeoutMs?: number): ProviderError {
  const message = reason === 'timeout'
    ? `Meta did not answer within ${timeoutMs ?? 0} ms; the call will be retried.`
    : `Could not reach Meta (${detail}); the call will be retried.`
  return new ProviderError('provider_unavailable', message, true, null, { reason, cause: detail })
}

/** The same mapping for the errors of a `failed` status webhook (no HTTP status there). */
export function classifyStatusError(issue: ProviderIssue): ProviderError {
  return classifyMetaError({ httpStatus: null, metaCode: issue.code, message: issue.message, title: issue.title, details: issue.details })
}

/** Reads Meta's JSON error envelope, tolerating anything (HTML error pages, empty bodies). */
export function failureFromResponse(httpStatus: number, body: unknown, retryAfterHeader: string | null): MetaFailure {
  const err = isObject(body) && isObject(body.error) ? body.error : null
  const data = err && isObject(err.error_data) ? err.error_data : null
  return {
    httpStatus,
    metaCode: err && typeof err.code === 'number' ? err.code : null,
    subcode: err && typeof err.error_subcode === 'number' ? err.error_subcode : null,
    message: err && typeof err.message === 'string' ? err.message : null,
    title: err && typeof err.error_user_title === 'string' ? err.error_user_title : null,
    type: err && typeof err.type === 'string' ? err.type : null,
    details: data && typeof data.details === 'string' ? data.details : null,
    fbtraceId: err && typeof err.fbtrace_id === 'string' ? err.fbtrace_id : null,
    retryAfterMs: parseRetryAfter(retryAfterHeader),
  }
}

function parseRetryAfter(h: string | null): number | null {
  if (!h) return null
  const s = Number(h)
  if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000)
  const at = Date.parse(h)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
