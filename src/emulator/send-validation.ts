// Shape checks for POST /{phone-number-id}/messages, answering bad bodies the way Graph does:
// code 100 naming the parameter, before any WhatsApp rule is looked at.
import { GraphError, invalidParameter, requiredParameter } from './graph-error.js'
import type { EmulatorState } from './state.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export const MESSAGE_TYPES = ['audio', 'contacts', 'document', 'image', 'interactive', 'location', 'reaction', 'sticker', 'template', 'text', 'video'] as const
const MEDIA_TYPES = new Set(['audio', 'document', 'image', 'sticker', 'video'])
const INTERACTIVE_TYPES = ['button', 'list', 'cta_url', 'product', 'product_list', 'catalog_message', 'flow', 'location_request_message', 'address_message', 'order_details', 'order_status', 'call_permission_request', 'voice_call']

export type ParsedSend =
  | { kind: 'read'; messageId: string }
  | { kind: 'message'; to: string; waId: string; type: string; body: Record<string, unknown> }

export function parseSend(state: EmulatorState, raw: unknown): ParsedSend {
  if (!isRecord(raw)) throw requiredParameter('messaging_product')
  if (raw.messaging_product === undefined) throw requiredParameter('messaging_product')
  if (raw.messaging_product !== 'whatsapp') throw invalidParameter('Param messaging_product must be "whatsapp".')

  if (raw.status !== undefined) {
    if (raw.status !== 'read') throw invalidParameter('Param status must be "read".')
    if (typeof raw.message_id !== 'string' || raw.message_id === '') throw requiredParameter('message_id')
    if (raw.typing_indicator !== undefined && !(isRecord(raw.typing_indicator) && raw.typing_indicator.type === 'text')) {
      throw invalidParameter("Param typing_indicator['type'] must be \"text\".")
    }
    return { kind: 'read', messageId: raw.message_id }
  }

  if (raw.recipient_type !== undefined && raw.recipient_type !== 'individual') {
    throw invalidParameter('Param recipient_type must be "individual"; group messaging is not emulated.')
  }
  if (typeof raw.to !== 'string' || raw.to.trim() === '') throw requiredParameter('to')
  const waId = raw.to.replace(/\D/g, '')
  if (waId.length < 7 || waId.length > 15 || /[A-Za-z]/.test(raw.to)) {
    throw new GraphError(400, 100, '(#100) Invalid parameter', { details: `Param to must be a phone number in international format - got "${raw.to}".` })
  }
  // Graph defaults `type` to text; the spec's own examples also omit it beside another content object,
  // so the one content key present decides.
  const type = raw.type ?? MESSAGE_TYPES.find((t) => t !== 'text' && raw[t] !== undefined) ?? 'text'
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw invalidParameter(`Param type must be one of {${MESSAGE_TYPES.map((t) => t.toUpperCase()).join(', ')}} - got "${String(type)}".`)
  }
  if (raw.context !== undefined && !(isRecord(raw.context) && typeof raw.context.message_id === 'string')) {
    throw requiredParameter("context['message_id']")
  }
  const content = raw[type]
  if (content === undefined) throw requiredParameter(type)

  if (type === 'text') checkText(content)
  else if (MEDIA_TYPES.has(type)) checkMedia(state, type, content)
  else if (type === 'interactive') checkInteractive(content)
  else if (type === 'reaction') checkReaction(content)
  else if (type === 'location') checkLocation(content)
  else if (type === 'contacts') checkContacts(content)
  else if (type === 'template' && !isRecord(content)) throw requiredParameter("template['name']")

  return { kind: 'message', to: raw.to, waId, type, body: raw }
}

function checkText(t: unknown): void {
  if (!isRecord(t) || t.body === undefined) throw requiredParameter("text['body']")
  if (typeof t.body !== 'string' || t.body.trim() === '') throw invalidParameter("Param text['body'] must be a non-empty string.")
  if (t.body.length > 4096) throw invalidParameter("Param text['body'] must be at most 4096 characters long.")
  if (t.preview_url !== undefined && typeof t.preview_url !== 'boolean') throw invalidParameter("Param text['preview_url'] must be a boolean.")
}

function checkMedia(state: EmulatorState, type: string, m: unknown): void {
  if (!isRecord(m)) throw requiredParameter(`${type}['id'] or ${type}['link']`)
  const hasId = m.id !== undefined
  const hasLink = m.link !== undefined
  if (hasId === hasLink) throw invalidParameter(`Param ${type} must have exactly one of id or link.`)
  if (hasId) {
    if (typeof m.id !== 'string' || !state.media.has(m.id)) {
      throw new GraphError(400, 131053, '(#131053) Media upload error', { details: `Media id ${String(m.id)} was not found; upload it first with POST /{phone-number-id}/media.` })
    }
  } else if (typeof m.link !== 'string' || !/^https?:\/\/\S+$/i.test(m.link)) {
    throw invalidParameter(`Param ${type}['link'] must be an http(s) URL.`)
  }
  if (m.caption !== undefined) {
    if (type === 'audio' || type === 'sticker') throw invalidParameter(`Param ${type}['caption'] is not supported for ${type} messages.`)
    if (typeof m.caption !== 'string' || m.caption.length > 1024) throw invalidParameter(`Param ${type}['caption'] must be a string of at most 1024 characters.`)
  }
}

function checkInteractive(i: unknown): void {
  if (!isRecord(i) || i.type === undefined) throw requiredParameter("interactive['type']")
  if (typeof i.type !== 'string' || !INTERACTIVE_TYPES.includes(i.type)) {
    throw invalidParameter(`Param interactive['type'] must be one of {${INTERACTIVE_TYPES.join(', ')}}.`)
  }
  if (!isRecord(i.action)) throw requiredParameter("interactive['action']")
  const needsBody = ['button', 'list', 'cta_url', 'product_list', 'catalog_message', 'flow']
  if (needsBody.includes(i.type) && !(isRecord(i.body) && typeof i.body.text === 'string' && i.body.text !== '')) {
    throw requiredParameter("interactive['body']['text']")
  }
  if (i.type === 'button') {
    const buttons = i.action.buttons
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
      throw invalidParameter("Param interactive['action']['buttons'] must have between 1 and 3 buttons.")
    }
    const ids = new Set<string>()
    buttons.forEach((b, n) => {
      const reply = isRecord(b) ? b.reply : undefined
      if (!isRecord(b) || b.type !== 'reply' || !isRecord(reply) || typeof reply.id !== 'string' || typeof reply.title !== 'string') {
        throw requiredParameter(`interactive['action']['buttons'][${n}]['reply']['id' and 'title']`)
      }
      if (reply.title.length > 20) throw invalidParameter(`Param interactive['action']['buttons'][${n}]['reply']['title'] must be at most 20 characters.`)
      if (ids.has(reply.id)) throw invalidParameter('Buttons must have unique ids.')
      ids.add(reply.id)
    })
  }
  if (i.type === 'list') {
    if (typeof i.action.button !== 'string' || i.action.button === '') throw requiredParameter("interactive['action']['button']")
    const sections = i.action.sections
    if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10) {
      throw invalidParameter("Param interactive['action']['sections'] must have between 1 and 10 sections.")
    }
    let rows = 0
    sections.forEach((s, n) => {
      if (!isRecord(s) || !Array.isArray(s.rows) || s.rows.length === 0) throw requiredParameter(`interactive['action']['sections'][${n}]['rows']`)
      for (const r of s.rows) {
        if (!isRecord(r) || typeof r.id !== 'string' || typeof r.title !== 'string') {
          throw requiredParameter(`interactive['action']['sections'][${n}]['rows'][]['id' and 'title']`)
        }
        rows++
      }
    })
    if (rows > 10) throw invalidParameter('A list message can have at most 10 rows in total.')
  }
}

function checkReaction(r: unknown): void {
  if (!isRecord(r) || typeof r.message_id !== 'string' || r.message_id === '') throw requiredParameter("reaction['message_id']")
  if (typeof r.emoji !== 'string') throw requiredParameter("reaction['emoji']")
}

function checkLocation(l: unknown): void {
  if (!isRecord(l)) throw requiredParameter("location['latitude']")
  for (const k of ['latitude', 'longitude'] as const) {
    const v = typeof l[k] === 'string' ? Number(l[k]) : l[k]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw requiredParameter(`location['${k}']`)
  }
}

function checkContacts(c: unknown): void {
  if (!Array.isArray(c) || c.length === 0) throw requiredParameter('contacts')
  c.forEach((contact, n) => {
    if (!isRecord(contact) || !isRecord(contact.name) || typeof contact.name.formatted_name !== 'string') {
      throw requiredParameter(`contacts[${n}]['name']['formatted_name']`)
    }
  })
}
