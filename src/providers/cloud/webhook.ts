// Meta webhook JSON → InboundBatch. Defensive by design: Meta adds message types and fields without
// notice, and a webhook we fail to parse is a customer message we lose. So an unknown type, field or
// status is kept raw rather than thrown, and only a payload that is not an object at all is an error.
import { ValidationError } from '../../domain/errors.js'
import type {
  DeliveryStatus, InboundBatch, InboundChange, InboundContactCard, InboundContent, InboundContext, InboundEvent,
  InboundMessageEvent, InboundStatusEvent, InboundTemplateStatusEvent, ProviderIssue,
} from '../port.js'

type Obj = Record<string, unknown>

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['sent', 'delivered', 'read', 'played', 'failed'])
const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker'])

export function parseWebhook(payload: unknown): InboundBatch {
  if (!isObj(payload)) {
    throw new ValidationError('invalid_webhook', 'The webhook body is not a JSON object; only Meta webhook payloads are accepted.')
  }
  const changes: InboundChange[] = []
  for (const entryRaw of arr(payload.entry)) {
    const entry = obj(entryRaw)
    const wabaId = idString(entry.id) ?? ''
    for (const changeRaw of arr(entry.changes)) {
      const change = obj(changeRaw)
      changes.push(parseChange(wabaId, str(change.field) ?? '', change.value))
    }
  }
  return { object: str(payload.object), changes }
}

function parseChange(wabaId: string, field: string, valueRaw: unknown): InboundChange {
  const value = obj(valueRaw)
  const metadata = obj(value.metadata)
  const out: InboundChange = {
    field,
    wabaId,
    phoneNumberId: idString(metadata.phone_number_id),
    displayPhoneNumber: str(metadata.display_phone_number),
    events: [],
  }
  if (field === 'message_template_status_update') {
    out.events.push(templateStatus(wabaId, value))
    return out
  }
  if (field !== 'messages') {
    out.events.push({ kind: 'unknown', field, raw: valueRaw })
    return out
  }
  const contacts = arr(value.contacts).map(obj)
  for (const m of arr(value.messages)) out.events.push(message(obj(m), contacts))
  for (const s of arr(value.statuses)) out.events.push(status(obj(s), field))
  if (Array.isArray(value.errors) && value.errors.length) out.events.push({ kind: 'error', errors: issues(value.errors), raw: value })
  // A messages change with none of the above is still something Meta told us; keep it.
  if (out.events.length === 0) out.events.push({ kind: 'unknown', field, raw: valueRaw })
  return out
}

function message(m: Obj, contacts: Obj[]): InboundMessageEvent {
  const fromDigits = idString(m.from)
  const userId = str(m.from_user_id) ?? str(m.user_id)
  const contact = contacts.find((c) => (fromDigits && idString(c.wa_id) === fromDigits) || (userId && str(c.user_id) === userId))
    ?? (contacts.length === 1 ? contacts[0] : undefined)
  const profile = obj(contact?.profile)
  const type = str(m.type) ?? 'unknown'
  const content = contentOf(type, m)
  return {
    kind: 'message',
    wamid: str(m.id) ?? '',
    from: e164(fromDigits ?? idString(contact?.wa_id)),
    userId: userId ?? str(contact?.user_id),
    username: str(profile.username) ?? str(contact?.username) ?? str(m.username),
    profileName: str(profile.name),
    timestamp: unixDate(m.timestamp),
    type,
    text: displayText(content),
    context: contextOf(m.context),
    referral: isObj(m.referral) ? m.referral : null,
    content,
    raw: m,
  }
}

function contentOf(type: string, m: Obj): InboundContent {
  const body = obj(m[type])
  if (type === 'text' && isObj(m.text)) return { type: 'text', body: str(body.body) ?? '' }
  if (type === 'reaction' && isObj(m.reaction)) {
    const emoji = str(body.emoji)
    return { type: 'reaction', targetWamid: str(body.message_id), emoji: emoji || null, removed: !emoji }
  }
  if (MEDIA_TYPES.has(type) && isObj(m[type])) {
    return {
      type: type as 'image' | 'video' | 'audio' | 'document' | 'sticker',
      mediaId: idString(body.id),
      mimeType: str(body.mime_type),
      sha256: str(body.sha256),
      caption: str(body.caption),
      filename: str(body.filename),
      voice: body.voice === true,
      animated: body.animated === true,
    }
  }
  if (type === 'interactive' && isObj(m.interactive)) {
    const replyType = str(body.type) ?? 'unknown'
    const reply = obj(body[replyType])
    return {
      type: 'interactive',
      replyType,
      id: str(reply.id),
      title: str(reply.title) ?? str(reply.body),
      description: str(reply.description),
      responseJson: str(reply.response_json),
    }
  }
  if (type === 'button' && isObj(m.button)) return { type: 'button', payload: str(body.payload), text: str(body.text) }
  if (type === 'location' && isObj(m.location)) {
    return { type: 'location', latitude: num(body.latitude), longitude: num(body.longitude), name: str(body.name), address: str(body.address), url: str(body.url) }
  }
  if (type === 'contacts' && Array.isArray(m.contacts)) return { type: 'contacts', contacts: m.contacts.map((c) => contactCard(obj(c))) }
  if (type === 'order' && isObj(m.order)) {
    return {
      type: 'order',
      catalogId: idString(body.catalog_id),
      text: str(body.text),
      items: arr(body.product_items).map((raw) => {
        const i = obj(raw)
        return { productRetailerId: idString(i.product_retailer_id), quantity: num(i.quantity), itemPrice: num(i.item_price), currency: str(i.currency) }
      }),
    }
  }
  if (type === 'system' && isObj(m.system)) {
    return { type: 'system', systemType: str(body.type), body: str(body.body), newWaId: idString(body.wa_id) ?? idString(body.new_wa_id), userId: str(body.user_id) }
  }
  if (type === 'unsupported' || type === 'unknown') return { type: 'unsupported', errors: issues(m.errors) }
  return { type: 'unknown', originalType: type, raw: m }
}

function contactCard(c: Obj): InboundContactCard {
  const name = obj(c.name)
  return {
    name: str(name.formatted_name) ?? ([str(name.first_name), str(name.last_name)].filter(Boolean).join(' ') || null),
    phones: arr(c.phones).map((raw) => {
      const p = obj(raw)
      return { phone: str(p.phone), waId: idString(p.wa_id), type: str(p.type) }
    }),
    emails: arr(c.emails).map((e) => str(obj(e).email)).filter((e): e is string => e !== null),
    raw: c,
  }
}

function contextOf(raw: unknown): InboundContext | null {
  if (!isObj(raw)) return null
  const product = obj(raw.referred_product)
  return {
    wamid: str(raw.id),
    from: e164(idString(raw.from)),
    forwarded: raw.forwarded === true,
    frequentlyForwarded: raw.frequently_forwarded === true,
    referredProduct: isObj(raw.referred_product)
      ? { catalogId: idString(product.catalog_id) ?? '', productRetailerId: idString(product.product_retailer_id) ?? '' }
      : null,
  }
}

function displayText(c: InboundContent): string | null {
  switch (c.type) {
    case 'text':
      return c.body
    case 'image':
    case 'video':
    case 'document':
      return c.caption
    case 'interactive':
      return c.title
    case 'button':
      return c.text
    case 'reaction':
      return c.emoji
    case 'order':
    case 'system':
      return c.type === 'order' ? c.text : c.body
    default:
      return null
  }
}

function status(s: Obj, field: string): InboundStatusEvent | InboundEvent {
  const value = str(s.status)
  const wamid = str(s.id)
  // An unknown status (Meta has added some before) must not be coerced into one we model.
  if (!value || !STATUSES.has(value) || !wamid) return { kind: 'unknown', field, raw: s }
  const pricing = isObj(s.pricing) ? s.pricing : null
  const conv = isObj(s.conversation) ? s.conversation : null
  return {
    kind: 'status',
    wamid,
    status: value as DeliveryStatus,
    timestamp: unixDate(s.timestamp),
    recipient: e164(idString(s.recipient_id)),
    recipientUserId: str(s.recipient_user_id),
    errors: issues(s.errors),
    pricing: pricing
      ? { billable: typeof pricing.billable === 'boolean' ? pricing.billable : null, pricingModel: str(pricing.pricing_model), category: str(pricing.category), type: str(pricing.type) }
      : null,
    conversation: conv
      ? { id: str(conv.id), originType: str(obj(conv.origin).type), expiresAt: unixDate(conv.expiration_timestamp) }
      : null,
    raw: s,
  }
}

function templateStatus(wabaId: string, v: Obj): InboundTemplateStatusEvent {
  const reason = str(v.reason)
  return {
    kind: 'template_status',
    wabaId,
    templateId: idString(v.message_template_id),
    name: str(v.message_template_name),
    language: str(v.message_template_language),
    event: str(v.event) ?? 'UNKNOWN',
    reason: reason && reason !== 'NONE' ? reason : null,
    raw: v,
  }
}

function issues(raw: unknown): ProviderIssue[] {
  return arr(raw).map((e) => {
    const x = obj(e)
    return { code: num(x.code), title: str(x.title), message: str(x.message), details: str(obj(x.error_data).details) }
  })
}

/** Meta sends digits without '+'; we store E.164. Anything not a phone is returned as sent. */
function e164(v: string | null): string | null {
  if (!v) return null
  if (/^\d{6,15}$/.test(v)) return `+${v}`
  return v
}

function unixDate(v: unknown): Date | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN
  return Number.isFinite(n) ? new Date(n * 1000) : null
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
function obj(v: unknown): Obj {
  return isObj(v) ? v : {}
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}
/** Ids Meta sometimes sends as numbers (template ids, catalog ids): kept as strings. */
function idString(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}
function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}
