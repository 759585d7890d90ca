// The page's one door to the API. Same origin, so the httpOnly session cookie rides along; no token
// is ever visible to scripts. Every failure becomes an ApiError carrying the API's own `message`, which
// the page shows as is (those messages are written for people).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export interface Envelope<T> {
  message: string
  data: T
  next_page_token?: string
}

type Query = Record<string, string | number | boolean | null | undefined | string[]>

/** Called on any 401 from a signed-in page (session expired or revoked elsewhere). */
let onUnauthorized: (() => void) | null = null
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn
}

export function withQuery(path: string, q?: Query): string {
  if (!q) return path
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => p.append(k, x))
    else p.append(k, String(v))
  }
  const s = p.toString()
  return s ? `${path}?${s}` : path
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    /* not JSON: a proxy page or an empty body */
  }
  const b = body as { message?: string; error?: { code?: string; details?: Record<string, unknown> } } | null
  if (b?.message) return new ApiError(res.status, b.error?.code ?? 'error', b.message, b.error?.details ?? {})
  const generic =
    res.status === 404
      ? 'This part of the API is not available on this server yet.'
      : res.status >= 500
        ? 'The server had a problem; try again in a moment.'
        : `The request failed (HTTP ${res.status}).`
  return new ApiError(res.status, res.status === 404 ? 'not_found' : 'http_error', generic)
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Sent as is (a File, CSV text, FormData) instead of JSON. */
  raw?: BodyInit
  contentType?: string
  idempotencyKey?: string
  signal?: AbortSignal
  /** Don't treat 401 as "signed out" (the login form itself). */
  quiet401?: boolean
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<Envelope<T>> {
  const headers: Record<string, string> = { accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.raw !== undefined) {
    body = opts.raw
    if (opts.contentType) headers['content-type'] = opts.contentType
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body)
    headers['content-type'] = 'application/json'
  }
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey
  let res: Response
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'network_error', 'Cannot reach the Switchboard server; check your connection and try again.')
  }
  if (!res.ok) {
    const e = await toError(res)
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.()
    throw e
  }
  if (res.status === 204) return { message: '', data: undefined as T }
  return (await res.json()) as Envelope<T>
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', path, { query, signal })
export const post = <T>(path: string, body?: unknown, opts: RequestOptions = {}) => api<T>('POST', path, { ...opts, body: body ?? {} })
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, { body })
export const del = <T>(path: string) => api<T>('DELETE', path)

/** A fresh key per user action, so a retried click never sends twice. */
export function idempotencyKey(): string {
  return crypto.randomUUID()
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof Error) return err.message
  return 'Something went wrong.'
}

/** Per-field problems from a 400 validation_failed, keyed by field path. */
export function fieldProblems(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {}
  const fields = err.details.fields
  const out: Record<string, string> = {}
  if (Array.isArray(fields)) {
    for (const f of fields as Array<{ field?: string; problem?: string }>) if (f.field) out[f.field] = f.problem ?? 'is invalid'
  }
  return out
}

/** Where an image or file of a message can be fetched (inline display and downloads). */
export const mediaUrl = (id: string) => `/v1/media/${encodeURIComponent(id)}`
