import type { Conversation, Message } from './types.js'

// Reading message payloads. Inbound payloads come from the provider parser and outbound ones from the
// send API, so the same value may be spelled media_id or mediaId, or sit under the type's own key
// ({ image: { id } }); these helpers look in each place once, so components stay simple.

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The payload object for the message's type: payload.image, payload.content, or payload itself. */
export function body(m: Message): Obj {
  const p = isObj(m.payload) ? m.payload : {}
  const inner = p[m.message_type]
  if (isObj(inner)) return { ...p, ...inner }
  if (isObj(p.content)) return { ...p, ...p.content }
  return p
}

export function str(o: Obj, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k]
    if (typeof v === 'string' && v !== '') return v
    if (typeof v === 'number') return String(v)
  }
  return null
}

export function num(o: Obj, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = o[k]
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  }
  return null
}

export function obj(o: Obj, key: string): Obj | null {
  const v = o[key]
  return isObj(v) ? v : null
}

export function arr(o: Obj, key: string): Obj[] {
  const v = o[key]
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** The id `GET /v1/media/:id` serves: our media row when the API gives it, else the provider's. */
export function mediaIdOf(m: Message): string | null {
  const b = body(m)
  return str(b, 'media_row_id', 'media_id', 'mediaId', 'id')
}

/** Text people read for a message: the body, a caption, a button title, or a label for the type. */
export function previewOf(m: Partial<Message> | null | undefined): string {
  if (!m) return ''
  if (m.text) return m.text
  const t = m.message_type ?? ''
  const b = m.payload && m.message_type ? body(m as Message) : {}
  const caption = str(b, 'caption')
  const labels: Record<string, string> = {
    image: '📷 Photo',
    sticker: '💟 Sticker',
    video: '🎥 Video',
    audio: '🎤 Audio',
    document: `📄 ${str(b, 'filename') ?? 'Document'}`,
    location: `📍 ${str(b, 'name') ?? 'Location'}`,
    contacts: '👤 Contact',
    reaction: `Reacted ${str(b, 'emoji') ?? ''}`.trim(),
    template: 'Template message',
    interactive: str(b, 'title') ?? 'Interactive reply',
  }
  if (caption) return `${labels[t] ?? ''} ${caption}`.trim()
  return labels[t] ?? (t ? `Unsupported message (${t})` : '')
}

/** The conversation's display name: the customer's name, else their phone. */
export function nameOf(c: Pick<Conversation, 'customer_name' | 'customer_phone'>): string {
  return c.customer_name?.trim() || c.customer_phone || 'Unknown customer'
}

/** The message a message quotes, found among the loaded ones by our id or by WhatsApp's wamid. */
export function quotedOf(m: Message, byId: Map<string, Message>, byWamid: Map<string, Message>): Message | null {
  const r = m.reply_to
  if (!r) return null
  return (r.message_id ? byId.get(r.message_id) : undefined) ?? (r.provider_message_id ? byWamid.get(r.provider_message_id) : undefined) ?? null
}

/**
 * Why a send failed, for people: the API's explanation (its first sentence, without the provider's
 * echo after "Meta said:"), and WhatsApp's numeric code, which support staff can look up.
 */
export function failureReason(m: Message): string {
  const e = m.error
  if (!e) return 'WhatsApp did not deliver this message.'
  const o = e as Record<string, unknown>
  const sentence = str(o, 'details', 'message', 'title') ?? 'WhatsApp did not deliver this message.'
  const text = sentence.split(/\s*Meta said:/)[0].trim()
  const providerCode = num(o, 'provider_code') ?? (typeof e.code === 'number' ? e.code : null)
  return providerCode !== null ? `${text} (WhatsApp error ${providerCode})` : text
}

/** Splits text into plain runs and links (http(s) URLs, www. hosts), for safe rendering as nodes. */
export function linkify(text: string): Array<{ text: string; href?: string }> {
  const out: Array<{ text: string; href?: string }> = []
  const re = /\b(https?:\/\/[^\s<>"']+|www\.[^\s<>"']+)/gi
  let last = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let url = m[0]
    // Trailing punctuation usually ends the sentence, not the link.
    const trail = /[.,!?;:)\]]+$/.exec(url)?.[0] ?? ''
    url = url.slice(0, url.length - trail.length)
    if (m.index > last) out.push({ text: text.slice(last, m.index) })
    out.push({ text: url, href: url.startsWith('www.') ? `https://${url}` : url })
    last = m.index + url.length
    re.lastIndex = last
  }
  if (last < text.length) out.push({ text: text.slice(last) })
  return out
}

/** Template body with {{name}} filled from values; empty values stay visible as [name]. */
export function renderTemplate(bodyText: string, values: Record<string, string>): string {
  return bodyText.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => (values[name]?.trim() ? values[name] : `[${name}]`))
}

/** Variable names in a template body, in order of first appearance. */
export function templateVariables(bodyText: string): string[] {
  const seen: string[] = []
  for (const m of bodyText.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)) if (!seen.includes(m[1])) seen.push(m[1])
  return seen
}
