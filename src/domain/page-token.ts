import { ValidationError } from './errors.js'

// Opaque page tokens: base64url of a small JSON cursor (the sort key of the last item returned).
// Clients must not build them; a token that does not decode is a 400 telling them to start over.

export function encodePageToken(cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url')
}

export function decodePageToken<T extends Record<string, unknown>>(
  token: string | undefined,
  isValid: (value: Record<string, unknown>) => value is T,
): T | undefined {
  if (token === undefined || token === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    value = null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isValid(value as Record<string, unknown>)) {
    throw ValidationError.fields(
      'The page_token is not one this API issued; start again without it and follow next_page_token.',
      [{ field: 'page_token', problem: 'is not a valid page token' }],
      'invalid_page_token',
    )
  }
  return value as T
}

/** Standard cursor: the last item's time (ISO string) and id, for `ORDER BY time DESC, id DESC`. */
export interface TimeCursor extends Record<string, unknown> {
  t: string
  id: string
}
export function isTimeCursor(v: Record<string, unknown>): v is TimeCursor {
  return typeof v.t === 'string' && !Number.isNaN(Date.parse(v.t)) && typeof v.id === 'string'
}

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200
