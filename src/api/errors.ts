import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, RateLimitedError, type ErrorCategory } from '../domain/errors.js'
import { issuesToProblems, type AjvIssue } from '../shared/schema-issues.js'

// The one place errors become HTTP: known errors map to the envelope, Ajv failures list every field,
// Fastify's own client errors get our codes, and anything else is a bland 500 carrying the request id.

const STATUS: Record<ErrorCategory, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rule: 422,
  rate_limited: 429,
  provider: 502,
  unavailable: 503,
}

export function envelope(message: string, code: string, details: Record<string, unknown> = {}) {
  return { message, error: { code, details } }
}

const CONTEXT_NAMES: Record<string, string> = { body: 'body', querystring: 'query string', params: 'path', headers: 'headers' }

export function validationDetails(err: FastifyError): { message: string; fields: Array<{ field: string; problem: string }> } {
  const fields = issuesToProblems((err.validation ?? []) as AjvIssue[], err.validationContext === 'body' ? 'body' : '')
  if (fields.length === 0) fields.push({ field: err.validationContext ?? 'request', problem: err.message })
  const where = CONTEXT_NAMES[err.validationContext ?? ''] ?? 'request'
  const list = fields.map((f) => `${f.field} ${f.problem}`).join('; ')
  return { message: `Some fields in the ${where} are invalid: ${list}. Fix them and try again.`, fields }
}

const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON; check quotes, commas and brackets.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request says it has a JSON body but the body is empty; send a JSON object or drop the Content-Type header.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is larger than this endpoint accepts (1 MiB for JSON); send less data per request.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'This endpoint does not accept that Content-Type; send JSON with Content-Type: application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad_request',
    message: 'The Content-Length header does not match the body; send the request again.',
  },
}

export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
      if (err instanceof AppError) {
        if (err instanceof RateLimitedError) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))))
        const status = STATUS[err.category]
        if (status >= 500) req.log.warn({ code: err.code, details: err.details }, err.message)
        return reply.code(status).send(envelope(err.message, err.code, err.details))
      }
      const fe = err as FastifyError
      if (fe.validation) {
        const { message, fields } = validationDetails(fe)
        return reply.code(400).send(envelope(message, 'validation_failed', { fields }))
      }
      const known = fe.code ? FASTIFY_CLIENT_ERRORS[fe.code] : undefined
      if (known) return reply.code(known.status).send(envelope(known.message, known.code))
      if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
        return reply.code(fe.statusCode).send(envelope('The request could not be processed; check its format.', 'bad_request'))
      }
      // Full detail in the log (with the request id); nothing internal in the reply.
      req.log.error({ err }, 'unhandled error')
      return reply
        .code(500)
        .send(envelope('Something went wrong on our side; try again, and quote the request id if it keeps happening.', 'internal_error', { request_id: req.id }))
    })
    app.setNotFoundHandler((req, reply) => {
      reply
        .code(404)
        .send(envelope(`There is no ${req.method} ${req.url.split('?')[0]} endpoint; see /docs for the API reference.`, 'not_found'))
    })
  },
  { name: 'switchboard-errors' },
)
