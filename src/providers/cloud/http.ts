// The one place that talks HTTP to the Graph API. The token travels only in the Authorization header
// (never in a URL, so it cannot end up in access logs or error messages), the version and base URL come
// from the number's credentials, and every call has a deadline.
import { createHash, type Hash } from 'node:crypto'
import { Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
// fetch's body is the DOM ReadableStream type; Readable.fromWeb wants node's (the same object at run time).
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { request as undiciRequest } from 'undici'
import type { NumberCredentials } from '../port.js'
import { classifyMetaError, failureFromResponse, unavailableError } from './errors.js'

export interface HttpOptions {
  /** Per call, including reading the body. */
  timeoutMs: number
}

export interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path after the version, e.g. `${phoneNumberId}/messages`. */
  path: string
  query?: Record<string, string | undefined>
  json?: unknown
  form?: FormData
}

export function graphUrl(creds: NumberCredentials, path: string, query?: Record<string, string | undefined>): URL {
  const base = creds.graphBaseUrl.replace(/\/+$/, '')
  const version = creds.graphVersion.replace(/^\/+|\/+$/g, '')
  const url = new URL(`${base}/${encodeURIComponent(version)}/${path.replace(/^\/+/, '')}`)
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
  return url
}

/** Calls the Graph API and returns its JSON, or throws a classified ProviderError. */
export async function graphJson(creds: NumberCredentials, call: GraphCall, opts: HttpOptions): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${creds.accessToken}`, accept: 'application/json' }
  const url = graphUrl(creds, call.path, call.query)
  let status: number
  let text: string
  let retryAfter: string | null
  if (call.form) {
    // Uploads: fetch writes the multipart body and its boundary.
    const res = await request(url, { method: call.method, headers, body: call.form }, opts)
    text = await readText(res.response, res.signal, opts)
    status = res.response.status
    retryAfter = res.response.headers.get('retry-after')
  } else {
    // Sends: undici's request() costs a fraction of fetch's CPU, which matters at a thousand sends a second.
    if (call.json !== undefined) headers['content-type'] = 'application/json'
    const body = call.json === undefined ? undefined : JSON.stringify(call.json)
    try {
      const res = await undiciRequest(url, { method: call.method, headers, body, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs })
      status = res.statusCode
      const ra = res.headers['retry-after']
      retryAfter = Array.isArray(ra) ? (ra[0] ?? null) : (ra ?? null)
      text = await res.body.text()
    } catch (err) {
      throw toUnavailable(err, null, opts)
    }
  }
  const parsed = parseJson(text)
  if (status < 200 || status > 299) throw classifyMetaError(failureFromResponse(status, parsed, retryAfter))
  if (parsed === undefined) {
    throw classifyMetaError({ httpStatus: status, metaCode: null, message: 'The Graph API answered with a body that is not JSON.' })
  }
  return parsed
}

/**
 * Streams a file from a URL Meta handed us (media) into `into`, with the same auth, deadline and error
 * mapping; hashes and counts it on the way, and stops past `maxBytes`.
 */
export async function graphDownload(
  creds: NumberCredentials,
  url: string,
  into: Writable,
  opts: HttpOptions & { maxBytes: number },
): Promise<{ contentType: string | null; size: number; sha256: Hash }> {
  const res = await request(new URL(url), { method: 'GET', headers: { authorization: `Bearer ${creds.accessToken}` } }, opts)
  if (!res.response.ok) {
    const parsed = parseJson(await readText(res.response, res.signal, opts))
    throw classifyMetaError(failureFromResponse(res.response.status, parsed, res.response.headers.get('retry-after')))
  }
  const tooLarge = () => classifyMetaError({ httpStatus: res.response.status, metaCode: null, message: `The media is larger than ${opts.maxBytes} bytes.` })
  const declared = Number(res.response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.response.body?.cancel()
    throw tooLarge()
  }
  const sha256 = createHash('sha256')
  let size = 0
  let over = false
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length
      if (size > opts.maxBytes) {
        over = true
        return done(new Error('too large'))
      }
      sha256.update(chunk)
      done(null, chunk)
    },
  })
  try {
    if (!res.response.body) into.end()
    else await pipeline(Readable.fromWeb(res.response.body as WebReadableStream), meter, into)
  } catch (err) {
    if (over) throw tooLarge()
    throw toUnavailable(err, res.signal, opts)
  }
  return { contentType: res.response.headers.get('content-type'), size, sha256 }
}

async function request(url: URL, init: { method: string; headers: Record<string, string>; body?: string | FormData }, opts: HttpOptions): Promise<{ response: Response; signal: AbortSignal }> {
  const signal = AbortSignal.timeout(opts.timeoutMs)
  try {
    const response = await fetch(url, { ...init, signal, redirect: 'follow' })
    return { response, signal }
  } catch (err) {
    throw toUnavailable(err, signal, opts)
  }
}

async function readText(res: Response, signal: AbortSignal, opts: HttpOptions): Promise<string> {
  try {
    return await res.text()
  } catch (err) {
    throw toUnavailable(err, signal, opts)
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

function toUnavailable(err: unknown, signal: AbortSignal | null, opts: HttpOptions): Error {
  // fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`; URLs are not included, so no token leaks.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : null
  if (signal?.aborted || (code !== null && TIMEOUT_CODES.has(code))) return unavailableError('timeout', 'deadline exceeded', opts.timeoutMs)
  return unavailableError('network', code ?? (cause instanceof Error ? cause.message : 'unknown network error'))
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
