import type { Ctx } from './context.js'
import { ASYNC_FAILURES, faultError, pairRateHit, throughputHit } from './graph-error.js'
import { newHexId, newWamid } from './ids.js'
import { parseSend } from './send-validation.js'
import { pairKey } from './state.js'
import { checkTemplateSend } from './templates.js'
import type { BusinessNumber, EmulatedStatus, OutboxEntry, StatusError } from './types.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface SendAnswer {
  messaging_product: 'whatsapp'
  contacts: Array<{ input: string; wa_id: string }>
  messages: Array<{ id: string; message_status?: string }>
}

/**
 * POST /{phone-number-id}/messages after auth. Sync checks answer with a GraphError; an accepted send
 * gets its wamid now and its statuses (or an async `failed`) later by webhook, as with Meta.
 */
export function sendMessage(ctx: Ctx, number: BusinessNumber, raw: unknown): SendAnswer | { success: true } {
  const isRead = isRecord(raw) && raw.status === 'read'
  const fault = isRead ? undefined : ctx.state.faults[0]
  if (fault) {
    fault.remaining--
    if (fault.remaining <= 0) ctx.state.faults.shift()
    ctx.stats.rejected(fault.code)
    throw faultError(fault.http_status, fault.code)
  }
  try {
    const parsed = parseSend(ctx.state, raw)
    if (parsed.kind === 'read') return { success: true }

    const template = parsed.type === 'template' ? checkTemplateSend(ctx, number.waba_id, parsed.body.template) : undefined
    if (!ctx.throughput.tryTake(number.phone_number_id, ctx.state.throughputOf(number))) throw throughputHit()
    const limit = ctx.state.config.pair_rate_limit
    const pair = pairKey(number.phone_number_id, parsed.waId)
    if (limit && !ctx.pairs.tryTake(pair, limit.max_messages, limit.per_seconds)) throw pairRateHit()

    const wamid = newWamid(parsed.waId)
    const entry: OutboxEntry = {
      wamid, phone_number_id: number.phone_number_id, to: parsed.to, wa_id: parsed.waId, type: parsed.type,
      body: parsed.body, status: 'accepted', statuses: [], errors: [], accepted_at: ctx.clock.unix(),
      ...(template ? { template: { name: template.name, language: template.language, category: template.category } } : {}),
    }
    ctx.state.addOutbox(entry)
    ctx.stats.accepted(number.phone_number_id)

    let failure: keyof typeof ASYNC_FAILURES | undefined
    if (ctx.state.config.not_on_whatsapp.includes(parsed.waId)) failure = 131026
    else if (!template && !windowOpen(ctx, number.phone_number_id, parsed.waId)) failure = 131047
    const category = template ? template.category.toLowerCase() : 'service'
    const callbackData = typeof parsed.body.biz_opaque_callback_data === 'string' ? parsed.body.biz_opaque_callback_data : undefined
    void runStatuses(ctx, number, entry, category, failure, callbackData)

    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: parsed.to, wa_id: parsed.waId }],
      messages: [template ? { id: wamid, message_status: 'accepted' } : { id: wamid }],
    }
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'number') ctx.stats.rejected(err.code)
    throw err
  }
}

/** The customer-service window: free-form content only within `service_window_s` of the last inbound. */
export function windowOpen(ctx: Ctx, phoneNumberId: string, waId: string): boolean {
  const last = ctx.state.lastInbound.get(pairKey(phoneNumberId, waId))
  return last !== undefined && ctx.clock.nowMs() - last <= ctx.state.config.service_window_s * 1000
}

function conversationFor(ctx: Ctx, number: BusinessNumber, waId: string, category: string): { id: string; expiration_timestamp: string; origin: { type: string } } {
  const key = pairKey(number.phone_number_id, waId)
  const now = ctx.clock.nowMs()
  let conv = ctx.state.conversations.get(key)
  if (!conv || conv.expiresAtMs <= now || conv.category !== category) {
    conv = { id: newHexId(), expiresAtMs: now + 24 * 3600 * 1000, category }
    ctx.state.conversations.set(key, conv)
  }
  return { id: conv.id, expiration_timestamp: String(Math.floor(conv.expiresAtMs / 1000)), origin: { type: category } }
}

function record(ctx: Ctx, entry: OutboxEntry, status: EmulatedStatus, timestamp: string): void {
  entry.status = status
  entry.statuses.push({ status, timestamp })
}

/**
 * sent → delivered → read, each emitted only after the previous one's first delivery attempt, so a
 * receiver always sees them in order unless a retry (as with Meta) brings an old one back later.
 */
async function runStatuses(
  ctx: Ctx, number: BusinessNumber, entry: OutboxEntry, category: string,
  failure: keyof typeof ASYNC_FAILURES | undefined, callbackData: string | undefined,
): Promise<void> {
  const delays = ctx.state.config.status_delays_ms
  const base = (status: EmulatedStatus): Record<string, unknown> & { timestamp: string } => ({
    id: entry.wamid, status, timestamp: ctx.clock.unix(), recipient_id: entry.wa_id,
    ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
  })
  if (failure) {
    if (!(await ctx.timers.sleep(delays.sent))) return
    const f = ASYNC_FAILURES[failure]
    const error: StatusError = {
      code: failure, title: f.title, message: f.title, error_data: { details: f.details },
      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
    }
    const status = { ...base('failed'), errors: [error] }
    entry.errors.push(error)
    record(ctx, entry, 'failed', status.timestamp)
    ctx.stats.asyncFailed(failure)
    await ctx.webhooks.emit(number.phone_number_id, { kind: 'status', status })
    return
  }
  const pricing = { billable: category !== 'service', pricing_model: 'CBP', category }
  let elapsed = 0
  const steps: Array<{ status: EmulatedStatus; at: number }> = [
    { status: 'sent', at: delays.sent },
    { status: 'delivered', at: Math.max(delays.sent, delays.delivered) },
  ]
  if (ctx.state.config.auto_read) steps.push({ status: 'read', at: Math.max(delays.sent, delays.delivered, delays.read) })
  for (const step of steps) {
    if (!(await ctx.timers.sleep(step.at - elapsed))) return
    elapsed = step.at
    const status = base(step.status)
    if (step.status === 'sent') {
      status.conversation = conversationFor(ctx, number, entry.wa_id, category)
      status.pricing = pricing
    } else if (step.status === 'delivered') {
      const { id, origin } = conversationFor(ctx, number, entry.wa_id, category)
      status.conversation = { id, origin }
      status.pricing = pricing
    }
    record(ctx, entry, step.status, status.timestamp)
    await ctx.webhooks.emit(number.phone_number_id, { kind: 'status', status })
  }
}
