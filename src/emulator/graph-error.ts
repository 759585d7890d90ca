import { newTraceId } from './ids.js'

export interface GraphErrorBody {
  error: {
    message: string
    type: string
    code: number
    error_subcode?: number
    error_user_title?: string
    error_user_msg?: string
    is_transient?: boolean
    error_data?: { messaging_product: 'whatsapp'; details: string }
    fbtrace_id: string
  }
}

/** An error the Graph routes answer with Meta's envelope and HTTP status. */
export class GraphError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
    readonly opts: { type?: string; subcode?: number; details?: string; userTitle?: string; userMsg?: string; transient?: boolean } = {},
  ) {
    super(message)
  }

  toBody(): GraphErrorBody {
    const { type = 'OAuthException', subcode, details, userTitle, userMsg, transient } = this.opts
    return {
      error: {
        message: this.message,
        type,
        code: this.code,
        ...(subcode !== undefined ? { error_subcode: subcode } : {}),
        ...(transient !== undefined ? { is_transient: transient } : {}),
        ...(userTitle !== undefined ? { error_user_title: userTitle } : {}),
        ...(userMsg !== undefined ? { error_user_msg: userMsg } : {}),
        ...(details !== undefined ? { error_data: { messaging_product: 'whatsapp' as const, details } } : {}),
        fbtrace_id: newTraceId(),
      },
    }
  }
}

// The errors Meta answers with, by code; messages mirror the ones Graph sends.

export const invalidParameter = (details: string): GraphError =>
  new GraphError(400, 100, '(#100) Invalid parameter', { details })

export const requiredParameter = (param: string): GraphError =>
  new GraphError(400, 100, `(#100) The parameter ${param} is required.`, { details: `The parameter ${param} is required.` })

export const invalidToken = (): GraphError =>
  new GraphError(401, 190, 'Invalid OAuth access token - Cannot parse access token')

export const missingToken = (): GraphError =>
  new GraphError(401, 190, 'An access token is required to request this resource.')

export const unknownObject = (id: string, method: 'get' | 'post' | 'delete'): GraphError =>
  new GraphError(400, 100,
    `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { type: 'GraphMethodException', subcode: 33 })

export const unknownPath = (path: string): GraphError =>
  new GraphError(400, 2500, `Unknown path components: ${path}`, { type: 'OAuthException' })

export const templateMissing = (name: string, language: string): GraphError =>
  new GraphError(404, 132001, '(#132001) Template name does not exist in the translation',
    { details: `template name (${name}) does not exist in ${language}` })

export const templatePaused = (name: string): GraphError =>
  new GraphError(400, 132015, '(#132015) Template is Paused', { details: `Template ${name} is paused due to low quality so it cannot be sent in a template message.` })

export const templateDisabled = (name: string): GraphError =>
  new GraphError(400, 132016, '(#132016) Template is disabled', { details: `Template ${name} has been paused too many times due to low quality and is now permanently disabled.` })

export const paramCountMismatch = (details: string): GraphError =>
  new GraphError(400, 132000, '(#132000) Number of parameters does not match the expected number of params', { details })

export const throughputHit = (): GraphError =>
  new GraphError(400, 130429, '(#130429) Rate limit hit', { details: 'Cloud API message throughput has been reached.', transient: true })

export const pairRateHit = (): GraphError =>
  new GraphError(400, 131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    { details: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.' })

export function faultError(httpStatus: number, code: number): GraphError {
  const known: Record<number, string> = {
    1: 'An unknown error occurred', 2: 'Service temporarily unavailable', 4: 'Application request limit reached',
    80007: 'Rate limit issues', 130429: '(#130429) Rate limit hit', 131000: 'Something went wrong',
    131016: 'Service unavailable', 133004: 'Server is temporarily unavailable',
  }
  return new GraphError(httpStatus, code, known[code] ?? `(#${code}) Injected fault`, {
    details: 'Injected by the emulator (POST /_emulator/faults).',
    transient: httpStatus >= 500 || httpStatus === 429,
  })
}

/** Async failures carried in a `failed` status webhook rather than in the HTTP answer. */
export const ASYNC_FAILURES = {
  131047: { title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
  131026: { title: 'Message undeliverable', details: 'Message Undeliverable.' },
} as const
