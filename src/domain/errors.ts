// Error categories that services and adapters throw. No HTTP here: src/api/errors.ts maps each
// category to a status code, and MCP tools map the same errors to tool results.

export type ErrorCategory =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rule'
  | 'rate_limited'
  | 'provider'
  | 'unavailable'

export type ErrorDetails = Record<string, unknown>

export abstract class AppError extends Error {
  abstract readonly category: ErrorCategory
  constructor(
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** One problem with one input field; `field` is a path such as `details.brand.emails[1].address`. */
export interface FieldProblem {
  field: string
  problem: string
}

export class ValidationError extends AppError {
  readonly category = 'validation'
  /** A single bad field, or several: every problem is listed so the user fixes them in one go. */
  static fields(message: string, fields: FieldProblem[], code = 'validation_failed'): ValidationError {
    return new ValidationError(code, message, { fields })
  }
}
export class UnauthorizedError extends AppError {
  readonly category = 'unauthorized'
}
export class ForbiddenError extends AppError {
  readonly category = 'forbidden'
}
/** Also answered for another business's ids: existence is never revealed across tenants. */
export class NotFoundError extends AppError {
  readonly category = 'not_found'
}
export class ConflictError extends AppError {
  readonly category = 'conflict'
}
export class TooLargeError extends AppError {
  readonly category = 'too_large'
}
export class UnsupportedMediaTypeError extends AppError {
  readonly category = 'unsupported_media_type'
}
/** A WhatsApp or business rule refused the request: window closed, template not approved, opted out. */
export class RuleRefusedError extends AppError {
  readonly category = 'rule'
}
export class RateLimitedError extends AppError {
  readonly category = 'rate_limited'
  constructor(
    message: string,
    readonly retryAfterS: number,
    details: ErrorDetails = {},
  ) {
    super('rate_limited', message, { retry_after_s: retryAfterS, ...details })
  }
}
/** The service cannot answer now (database down, shutting down); the client may retry. */
export class UnavailableError extends AppError {
  readonly category = 'unavailable'
}

/**
 * A provider (Meta's Cloud API or the emulator) refused or failed a call. `retryable` is decided once,
 * in the adapter, from the provider's own error code; the job runner reads only `retryable` and
 * `retryAfterMs`.
 */
export class ProviderError extends AppError {
  readonly category = 'provider'
  constructor(
    code: string,
    message: string,
    readonly retryable: boolean,
    readonly providerCode: number | null = null,
    details: ErrorDetails = {},
    readonly retryAfterMs: number | null = null,
    /**
     * The number's own throughput meter was full when the call arrived (Meta's 130429): nothing is wrong
     * with the message, and the same call succeeds as soon as the meter has room.
     */
    readonly throughputFull = false,
  ) {
    super(code, message, { provider_code: providerCode, ...details })
  }
}
