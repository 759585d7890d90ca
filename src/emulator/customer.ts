// Plays a customer writing to a business: builds the inbound message exactly as Meta's `messages`
// webhook carries it, stores any media so the business can download it, and opens the 24-hour window.
import { createHash } from 'node:crypto'
import type { Ctx } from './context.js'
import { newWamid } from './ids.js'
import { sampleMedia, storeMedia } from './media.js'
import { pairKey } from './state.js'
import type { BusinessNumber } from './types.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export class InboundError extends Error {}

export const INBOUND_TYPES = ['text', 'image', 'document', 'audio', 'video', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'unsupported'] as const
const MEDIA = new Set(['image', 'document', 'audio', 'video', 'sticker'])

export interface InboundResult {
  wamid: string
  phone_number_id: string
  wa_id: string
  timestamp: string
  media_id?: string
  message: Record<string, unknown>
}

/** Resolves the business a customer writes to: `to` (display phone) or `phone_number_id`. */
export function resolveBusiness(ctx: Ctx, body: Record<string, unknown>): BusinessNumber {
  if (typeof body.phone_number_id === 'string') {
    const n = ctx.state.numbers.get(body.phone_number_id)
    if (n) return n
    throw new InboundError(`No business number with phone_number_id ${body.phone_number_id}; register it with PUT /_emulator/numbers/:id.`)
  }
  if (typeof body.to !== 'string' || body.to === '') throw new InboundError('Say which business the customer writes to: "to" (its display phone) or "phone_number_id".')
  const n = ctx.state.numberByDisplayPhone(body.to)
  if (!n) throw new InboundError(`No business number with display phone ${body.to}; register it with PUT /_emulator/numbers/:id.`)
  return n
}

export async function playCustomerMessage(ctx: Ctx, phone: string, body: Record<string, unknown>): Promise<InboundResult> {
  const waId = phone.replace(/\D/g, '')
  if (waId.length < 7 || waId.length > 15) throw new InboundError(`The customer phone "${phone}" is not a phone number in international format.`)
  const number = resolveBusiness(ctx, body)
  const type = body.type === undefined ? 'text' : body.type
  if (typeof type !== 'string' || !(INBOUND_TYPES as readonly string[]).includes(type)) {
    throw new InboundError(`type must be one of ${INBOUND_TYPES.join(', ')}.`)
  }
  const wamid = newWamid(waId)
  const timestamp = ctx.clock.unix()
  const message: Record<string, unknown> = { from: waId, id: wamid, timestamp, type }
  let mediaId: string | undefined

  if (body.context !== undefined) {
    if (!isRecord(body.context) || typeof body.context.message_id !== 'string') throw new InboundError('context must be {"message_id": "wamid..."}.')
    message.context = { from: number.display_phone_number.replace(/\D/g, ''), id: body.context.message_id }
  } else if (type === 'button' || type === 'interactive') {
    // A tap always answers the business message that carried the button; Meta always says which one.
    const last = [...ctx.state.outbox].reverse().find((e) => e.phone_number_id === number.phone_number_id && e.wa_id === waId)
    message.context = { from: number.display_phone_number.replace(/\D/g, ''), id: last?.wamid ?? newWamid(number.display_phone_number.replace(/\D/g, '')) }
  }

  if (type === 'text') {
    const text = isRecord(body.text) ? body.text.body : body.text
    if (typeof text !== 'string' || text === '') throw new InboundError('A text message needs "text": "...".')
    message.text = { body: text }
  } else if (MEDIA.has(type)) {
    const given = isRecord(body[type]) ? (body[type] as Record<string, unknown>) : {}
    const sample = sampleMedia(type)
    const data = typeof body.data_base64 === 'string' ? Buffer.from(body.data_base64, 'base64') : sample.bytes
    const mimeType = typeof body.mime_type === 'string' ? body.mime_type : sample.mimeType
    const filename = typeof body.filename === 'string' ? body.filename : typeof given.filename === 'string' ? given.filename : sample.filename
    const caption = typeof body.caption === 'string' ? body.caption : typeof given.caption === 'string' ? given.caption : undefined
    const meta = await storeMedia(ctx, number.phone_number_id, data, mimeType, filename)
    mediaId = meta.id
    const media: Record<string, unknown> = {
      ...(caption !== undefined && type !== 'audio' && type !== 'sticker' ? { caption } : {}),
      ...(type === 'document' && filename ? { filename } : {}),
      mime_type: mimeType,
      sha256: createHash('sha256').update(data).digest('base64'),
      id: meta.id,
      ...(type === 'audio' ? { voice: given.voice === true || body.voice === true } : {}),
      ...(type === 'sticker' ? { animated: false } : {}),
    }
    message[type] = media
  } else if (type === 'location') {
    const l = isRecord(body.location) ? body.location : {}
    const latitude = Number(l.latitude ?? 37.44221496582)
    const longitude = Number(l.longitude ?? -122.16165924072)
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) throw new InboundError('location.latitude and location.longitude must be numbers.')
    message.location = {
      latitude, longitude,
      ...(typeof l.name === 'string' ? { name: l.name } : {}),
      ...(typeof l.address === 'string' ? { address: l.address } : {}),
      ...(typeof l.url === 'string' ? { url: l.url } : {}),
    }
  } else if (type === 'contacts') {
    message.contacts = Array.isArray(body.contacts) && body.contacts.length > 0 ? body.contacts : [{
      name: { first_name: 'Lucía', last_name: 'Gómez', formatted_name: 'Lucía Gómez' },
      phones: [{ phone: '+1 (983) 555-2319', wa_id: '19835552319', type: 'MOBILE' }],
    }]
  } else if (type === 'interactive') {
    message.interactive = inboundInteractive(body)
  } else if (type === 'button') {
    const b = isRecord(body.button) ? body.button : {}
    const text = typeof b.text === 'string' ? b.text : typeof body.text === 'string' ? body.text : 'OK'
    message.button = { payload: typeof b.payload === 'string' ? b.payload : text, text }
  } else if (type === 'reaction') {
    const r = isRecord(body.reaction) ? body.reaction : {}
    if (typeof r.message_id !== 'string') throw new InboundError('A reaction needs "reaction": {"message_id": "wamid...", "emoji": "👍"}.')
    message.reaction = { message_id: r.message_id, emoji: typeof r.emoji === 'string' ? r.emoji : '👍' }
  } else if (type === 'order') {
    const o = isRecord(body.order) ? body.order : {}
    message.order = {
      catalog_id: typeof o.catalog_id === 'string' ? o.catalog_id : '194836987003835',
      text: typeof o.text === 'string' ? o.text : '',
      product_items: Array.isArray(o.product_items) ? o.product_items : [{ product_retailer_id: 'di9ozbzfi4', quantity: 2, item_price: 30, currency: 'USD' }],
    }
  } else if (type === 'unsupported') {
    message.errors = [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }]
  }

  ctx.state.lastInbound.set(pairKey(number.phone_number_id, waId), ctx.clock.nowMs())
  ctx.state.changed()
  ctx.stats.inbound++
  const name = typeof body.name === 'string' && body.name !== '' ? body.name : 'Customer'
  void ctx.webhooks.emit(number.phone_number_id, { kind: 'message', contact: { profile: { name }, wa_id: waId }, message })
  return { wamid, phone_number_id: number.phone_number_id, wa_id: waId, timestamp, ...(mediaId ? { media_id: mediaId } : {}), message }
}

function inboundInteractive(body: Record<string, unknown>): Record<string, unknown> {
  const i = isRecord(body.interactive) ? body.interactive : body
  const reply = (v: unknown, withDescription: boolean): Record<string, unknown> => {
    if (!isRecord(v) || typeof v.id !== 'string' || typeof v.title !== 'string') {
      throw new InboundError('An interactive reply needs {"id": "...", "title": "..."}.')
    }
    return { id: v.id, title: v.title, ...(withDescription && typeof v.description === 'string' ? { description: v.description } : {}) }
  }
  if (i.type === 'list_reply' || (i.type === undefined && i.list_reply !== undefined)) {
    return { type: 'list_reply', list_reply: reply(i.list_reply, true) }
  }
  if (i.type === 'button_reply' || (i.type === undefined && i.button_reply !== undefined)) {
    return { type: 'button_reply', button_reply: reply(i.button_reply, false) }
  }
  throw new InboundError('interactive must be {"type": "button_reply", "button_reply": {id, title}} or {"type": "list_reply", "list_reply": {id, title, description?}}.')
}
