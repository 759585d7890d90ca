// The emulator's own API (/_emulator/...), for people and tests. JSON in and out; errors use
// Switchboard's envelope { message, error: { code, details } } since this is not Meta's surface.
import type { FastifyInstance } from 'fastify'
import { ConfigError, mergeConfig } from './config.js'
import type { Ctx } from './context.js'
import { InboundError, playCustomerMessage } from './customer.js'
import { changeTemplateStatus, scheduleReview } from './templates.js'
import type { BusinessNumber, TemplateStatus } from './types.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message)
  }
}

const bad = (message: string, details: Record<string, unknown> = {}): ControlError => new ControlError(400, 'validation_failed', message, details)

function str(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) {
    if (required) throw bad(`${key} is required.`, { field: key })
    return undefined
  }
  if (typeof v !== 'string' || v === '') throw bad(`${key} must be a non-empty string.`, { field: key })
  return v
}

export interface ControlHooks {
  /** Clears timers, webhook queues and limiter windows on top of state. */
  reset(keepNumbers: boolean): void
}

export async function controlRoutes(app: FastifyInstance, opts: { ctx: Ctx; hooks: ControlHooks }): Promise<void> {
  const { ctx, hooks } = opts

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ControlError) return reply.code(err.status).send({ message: err.message, error: { code: err.code, details: err.details } })
    if (err instanceof ConfigError || err instanceof InboundError) {
      return reply.code(400).send({ message: err.message, error: { code: 'validation_failed', details: {} } })
    }
    const e = err as { statusCode?: number; message?: string }
    if (e.statusCode && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ message: e.message ?? 'Bad request', error: { code: 'bad_request', details: {} } })
    }
    req.log.error({ err }, 'emulator control route failed')
    return reply.code(500).send({ message: 'The emulator failed; see its log.', error: { code: 'internal_error', details: {} } })
  })

  app.put<{ Params: { phoneNumberId: string } }>('/_emulator/numbers/:phoneNumberId', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    const id = req.params.phoneNumberId
    if (!/^\d{1,20}$/.test(id)) throw bad('The phone number id must be digits, like Meta\'s.', { field: 'phone_number_id' })
    const existing = ctx.state.numbers.get(id)
    const webhookUrl = body.webhook_url === null ? null : str(body, 'webhook_url', false)
    if (webhookUrl && !/^https?:\/\//.test(webhookUrl)) throw bad('webhook_url must be an http(s) URL.', { field: 'webhook_url' })
    const mps = body.throughput_mps
    if (mps !== undefined && mps !== null && (typeof mps !== 'number' || !Number.isInteger(mps) || mps < 1)) {
      throw bad('throughput_mps must be an integer ≥ 1, or null for the default.', { field: 'throughput_mps' })
    }
    const display = str(body, 'display_phone_number', !existing) ?? existing?.display_phone_number ?? ''
    if (!/^\+?[\d\s().-]{7,20}$/.test(display)) throw bad('display_phone_number must be a phone number, like +15550001111.', { field: 'display_phone_number' })
    const number: BusinessNumber = {
      phone_number_id: id,
      display_phone_number: display,
      waba_id: str(body, 'waba_id', !existing) ?? existing?.waba_id ?? '',
      access_token: str(body, 'access_token', !existing) ?? existing?.access_token ?? '',
      app_secret: str(body, 'app_secret', !existing) ?? existing?.app_secret ?? '',
      webhook_url: webhookUrl !== undefined ? webhookUrl : existing?.webhook_url ?? null,
      verified_name: str(body, 'verified_name', false) ?? existing?.verified_name ?? 'Switchboard Test Business',
      throughput_mps: mps === undefined ? existing?.throughput_mps ?? null : (mps as number | null),
      registered: existing?.registered ?? true,
    }
    const clash = ctx.state.numberByDisplayPhone(number.display_phone_number)
    if (clash && clash.phone_number_id !== id) {
      throw new ControlError(409, 'conflict', `Display phone ${number.display_phone_number} already belongs to number ${clash.phone_number_id}.`)
    }
    ctx.state.numbers.set(id, number)
    ctx.state.changed()
    return { data: number }
  })

  app.get('/_emulator/numbers', async () => ({ data: [...ctx.state.numbers.values()] }))

  app.delete<{ Params: { phoneNumberId: string } }>('/_emulator/numbers/:phoneNumberId', async (req) => {
    if (!ctx.state.numbers.delete(req.params.phoneNumberId)) throw new ControlError(404, 'not_found', 'No such number.')
    ctx.state.changed()
    return { data: { deleted: true } }
  })

  app.post<{ Params: { phone: string } }>('/_emulator/customers/:phone/messages', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    return playCustomerMessage(ctx, req.params.phone, body)
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/_emulator/outbox', async (req) => {
    const { to, phone_number_id: phoneNumberId, wamid } = req.query
    const limit = Math.min(Math.max(Number(req.query.limit ?? 200) || 200, 1), 5000)
    const toDigits = to?.replace(/\D/g, '')
    const matches = ctx.state.outbox.filter((e) =>
      (!toDigits || e.wa_id === toDigits) && (!phoneNumberId || e.phone_number_id === phoneNumberId) && (!wamid || e.wamid === wamid))
    return { data: matches.slice(-limit) }
  })

  app.get('/_emulator/clock', async () => ctx.clock.view())

  app.post('/_emulator/clock', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    const { offset_seconds: offset, advance_seconds: advance } = body
    if (offset !== undefined && (typeof offset !== 'number' || !Number.isFinite(offset))) throw bad('offset_seconds must be a number (negative allowed).')
    if (advance !== undefined && (typeof advance !== 'number' || !Number.isFinite(advance))) throw bad('advance_seconds must be a number.')
    if (offset === undefined && advance === undefined) throw bad('Send {"offset_seconds": N} or {"advance_seconds": N}.')
    ctx.state.clockOffsetSeconds = (offset as number | undefined) ?? ctx.state.clockOffsetSeconds
    if (typeof advance === 'number') ctx.state.clockOffsetSeconds += advance
    ctx.state.changed()
    return ctx.clock.view()
  })

  app.get('/_emulator/config', async () => ctx.state.config)

  app.patch('/_emulator/config', async (req) => {
    ctx.state.config = mergeConfig(ctx.state.config, req.body)
    ctx.state.changed()
    return ctx.state.config
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/_emulator/templates', async (req) => {
    const waba = req.query.waba_id
    return { data: [...ctx.state.templates.values()].filter((t) => !waba || t.waba_id === waba) }
  })

  app.post<{ Params: { name: string } }>('/_emulator/templates/:name/status', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    const statuses: TemplateStatus[] = ['APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'PENDING']
    const status = body.status
    if (typeof status !== 'string' || !statuses.includes(status as TemplateStatus)) throw bad(`status must be one of ${statuses.join(', ')}.`)
    const reason = str(body, 'reason', false)
    const waba = str(body, 'waba_id', false)
    const language = str(body, 'language', false)
    const targets = [...ctx.state.templates.values()].filter((t) =>
      t.name === req.params.name && (!waba || t.waba_id === waba) && (!language || t.language === language))
    if (targets.length === 0) throw new ControlError(404, 'not_found', `No template named ${req.params.name}${waba ? ` in WABA ${waba}` : ''}.`)
    await Promise.all(targets.map((t) => changeTemplateStatus(ctx, t, status as TemplateStatus, reason)))
    if (status === 'PENDING') for (const t of targets) scheduleReview(ctx, t)
    return { data: targets }
  })

  app.post('/_emulator/faults', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    const { count, http_status: httpStatus, code } = body
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw bad('count must be an integer ≥ 0 (0 clears pending faults).')
    if (count === 0) { ctx.state.faults = []; return { data: { pending: [] } } }
    if (typeof httpStatus !== 'number' || !Number.isInteger(httpStatus) || httpStatus < 400 || httpStatus > 599) throw bad('http_status must be an HTTP error status (400–599).')
    if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code))) throw bad('code must be an integer Graph error code.')
    const defaultCode = httpStatus === 429 ? 80007 : httpStatus >= 500 ? 131000 : 100
    ctx.state.faults.push({ remaining: count, http_status: httpStatus, code: (code as number | undefined) ?? defaultCode })
    return { data: { pending: ctx.state.faults } }
  })

  app.get('/_emulator/stats', async () => ({
    ...ctx.stats.view((id) => { const n = ctx.state.numbers.get(id); return n ? ctx.state.throughputOf(n) : undefined }),
    webhook_queue: ctx.webhooks.pending(),
  }))

  app.post('/_emulator/reset', async (req) => {
    const body = isRecord(req.body) ? req.body : {}
    hooks.reset(body.keep_numbers === true)
    return { data: { reset: true, kept_numbers: body.keep_numbers === true } }
  })
}
