// OutboundPayload → the JSON body of POST /{Version}/{Phone-Number-ID}/messages. Meta's size limits are
// checked here, before the network, so a bad payload fails with every problem listed instead of one
// opaque Graph error (and never costs a send attempt).
import { ValidationError, type FieldProblem } from '../../domain/errors.js'
import { CONTENT_LIMITS } from '../../domain/outbound.js'
import type {
  ContactsPayload, InteractiveHeader, MediaRef, OutboundPayload, SharedContact, TemplateBodyParameter,
  TemplateComponent, TemplateHeaderParameter, TemplatePayload,
} from '../port.js'

export type JsonObject = { [k: string]: unknown }

/** Meta's limits on outbound content: the same table the API checks at accept time, plus contacts. */
export const LIMITS = { ...CONTENT_LIMITS, contacts: 5 } as const

export function buildMessageBody(p: OutboundPayload): JsonObject {
  const problems: FieldProblem[] = []
  const check = (ok: boolean, field: string, problem: string) => {
    if (!ok) problems.push({ field, problem })
  }
  check(p.to.trim().length > 0, 'to', 'must not be empty')
  const content = buildContent(p, check)
  if (problems.length) {
    throw ValidationError.fields(`The ${p.kind} message is not valid for WhatsApp; fix the listed fields and send it again.`, problems, 'invalid_payload')
  }
  const body: JsonObject = { messaging_product: 'whatsapp', recipient_type: 'individual', to: p.to, type: content.type, [content.type]: content.value }
  if (p.replyToWamid && p.kind !== 'reaction') body.context = { message_id: p.replyToWamid }
  return body
}

type Check = (ok: boolean, field: string, problem: string) => void

function buildContent(p: OutboundPayload, check: Check): { type: string; value: unknown } {
  switch (p.kind) {
    case 'text':
      check(p.text.length > 0 && p.text.length <= LIMITS.text, 'text', `must be 1–${LIMITS.text} characters`)
      return { type: 'text', value: { body: p.text, ...(p.previewUrl !== undefined ? { preview_url: p.previewUrl } : {}) } }
    case 'image':
    case 'video':
      checkCaption(p.caption, check)
      return { type: p.kind, value: { ...media(p.media, check, 'media'), ...(p.caption ? { caption: p.caption } : {}) } }
    case 'document':
      checkCaption(p.caption, check)
      return {
        type: 'document',
        value: { ...media(p.media, check, 'media'), ...(p.caption ? { caption: p.caption } : {}), ...(p.filename ? { filename: p.filename } : {}) },
      }
    case 'audio':
    case 'sticker':
      return { type: p.kind, value: media(p.media, check, 'media') }
    case 'reaction':
      check(p.messageWamid.length > 0, 'message_wamid', 'must name the message to react to')
      return { type: 'reaction', value: { message_id: p.messageWamid, emoji: p.emoji } }
    case 'location':
      check(Number.isFinite(p.latitude) && Math.abs(p.latitude) <= 90, 'latitude', 'must be between -90 and 90')
      check(Number.isFinite(p.longitude) && Math.abs(p.longitude) <= 180, 'longitude', 'must be between -180 and 180')
      return {
        type: 'location',
        value: { latitude: p.latitude, longitude: p.longitude, ...(p.name ? { name: p.name } : {}), ...(p.address ? { address: p.address } : {}) },
      }
    case 'contacts':
      return { type: 'contacts', value: contacts(p, check) }
    case 'template':
      return { type: 'template', value: template(p, check) }
    case 'buttons': {
      check(p.buttons.length >= 1 && p.buttons.length <= LIMITS.buttons, 'buttons', `must have 1–${LIMITS.buttons} buttons`)
      const ids = new Set<string>()
      const titles = new Set<string>()
      p.buttons.forEach((b, i) => {
        check(b.title.trim().length > 0 && b.title.length <= LIMITS.buttonTitle, `buttons[${i}].title`, `must be 1–${LIMITS.buttonTitle} characters`)
        check(b.id.length > 0 && b.id.length <= LIMITS.buttonId && b.id.trim() === b.id, `buttons[${i}].id`, `must be 1–${LIMITS.buttonId} characters without surrounding spaces`)
        check(!ids.has(b.id), `buttons[${i}].id`, 'must be unique')
        check(!titles.has(b.title), `buttons[${i}].title`, 'must be unique')
        ids.add(b.id)
        titles.add(b.title)
      })
      return {
        type: 'interactive',
        value: {
          type: 'button',
          ...interactiveFrame(p.body, p.header, p.footer, check),
          action: { buttons: p.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
        },
      }
    }
    case 'list': {
      check(p.buttonText.trim().length > 0 && p.buttonText.length <= LIMITS.listButton, 'button_text', `must be 1–${LIMITS.listButton} characters`)
      check(p.sections.length >= 1 && p.sections.length <= LIMITS.sections, 'sections', `must have 1–${LIMITS.sections} sections`)
      const total = p.sections.reduce((n, s) => n + s.rows.length, 0)
      check(total >= 1 && total <= LIMITS.rows, 'sections', `must hold 1–${LIMITS.rows} rows in total`)
      const ids = new Set<string>()
      p.sections.forEach((s, si) => {
        if (p.sections.length > 1) check(!!s.title && s.title.trim().length > 0, `sections[${si}].title`, 'is required when there is more than one section')
        if (s.title !== undefined) check(s.title.length <= LIMITS.sectionTitle, `sections[${si}].title`, `must be at most ${LIMITS.sectionTitle} characters`)
        check(s.rows.length >= 1, `sections[${si}].rows`, 'must have at least one row')
        s.rows.forEach((r, ri) => {
          const f = `sections[${si}].rows[${ri}]`
          check(r.title.trim().length > 0 && r.title.length <= LIMITS.rowTitle, `${f}.title`, `must be 1–${LIMITS.rowTitle} characters`)
          check(r.id.length > 0 && r.id.length <= LIMITS.rowId, `${f}.id`, `must be 1–${LIMITS.rowId} characters`)
          check(!ids.has(r.id), `${f}.id`, 'must be unique across sections')
          ids.add(r.id)
          if (r.description !== undefined) check(r.description.length <= LIMITS.rowDescription, `${f}.description`, `must be at most ${LIMITS.rowDescription} characters`)
        })
      })
      return {
        type: 'interactive',
        value: {
          type: 'list',
          ...interactiveFrame(p.body, p.header, p.footer, check),
          action: {
            button: p.buttonText,
            sections: p.sections.map((s) => ({
              ...(s.title ? { title: s.title } : {}),
              rows: s.rows.map((r) => ({ id: r.id, title: r.title, ...(r.description ? { description: r.description } : {}) })),
            })),
          },
        },
      }
    }
  }
}

function checkCaption(caption: string | undefined, check: Check) {
  if (caption !== undefined) check(caption.length <= LIMITS.caption, 'caption', `must be at most ${LIMITS.caption} characters`)
}

function media(ref: MediaRef, check: Check, field: string): JsonObject {
  if (ref.mediaId !== undefined) {
    check(ref.mediaId.length > 0, `${field}.media_id`, 'must not be empty')
    return { id: ref.mediaId }
  }
  check(/^https?:\/\//i.test(ref.link ?? ''), `${field}.link`, 'must be an http(s) URL')
  return { link: ref.link }
}

function interactiveFrame(body: string, header: InteractiveHeader | undefined, footer: string | undefined, check: Check): JsonObject {
  check(body.trim().length > 0 && body.length <= LIMITS.interactiveBody, 'body', `must be 1–${LIMITS.interactiveBody} characters`)
  const out: JsonObject = { body: { text: body } }
  if (header) {
    if (header.type === 'text') {
      check(header.text.trim().length > 0 && header.text.length <= LIMITS.interactiveHeader, 'header.text', `must be 1–${LIMITS.interactiveHeader} characters`)
      out.header = { type: 'text', text: header.text }
    } else {
      out.header = { type: header.type, [header.type]: media(header, check, 'header') }
    }
  }
  if (footer !== undefined) {
    check(footer.length > 0 && footer.length <= LIMITS.footer, 'footer', `must be 1–${LIMITS.footer} characters`)
    out.footer = { text: footer }
  }
  return out
}

function template(p: TemplatePayload, check: Check): JsonObject {
  check(/^[a-z0-9_]{1,512}$/.test(p.name), 'name', 'must be lower-case letters, digits and underscores')
  check(p.language.length > 0, 'language', 'must not be empty')
  const components = p.components.map((c, i) => templateComponent(c, i, check))
  return {
    name: p.name,
    // The spec requires `policy`; deterministic is the only value Meta has.
    language: { policy: 'deterministic', code: p.language },
    ...(components.length ? { components } : {}),
  }
}

function templateComponent(c: TemplateComponent, i: number, check: Check): JsonObject {
  switch (c.type) {
    case 'header':
      check(c.parameters.length === 1, `components[${i}].parameters`, 'a header takes exactly one parameter')
      return { type: 'header', parameters: c.parameters.map((h, j) => headerParameter(h, `components[${i}].parameters[${j}]`, check)) }
    case 'body':
      checkNaming(c.parameters, `components[${i}].parameters`, check)
      return { type: 'body', parameters: c.parameters.map(bodyParameter) }
    case 'button': {
      check(Number.isInteger(c.index) && c.index >= 0 && c.index <= 9, `components[${i}].index`, 'must be 0–9')
      const base = { type: 'button', sub_type: c.subType, index: String(c.index) }
      if (c.subType === 'quick_reply') return { ...base, parameters: [{ type: 'payload', payload: c.payload }] }
      if (c.subType === 'url') return { ...base, parameters: [{ type: 'text', text: c.text }] }
      return { ...base, parameters: [{ type: 'coupon_code', coupon_code: c.couponCode }] }
    }
  }
}

/** Meta refuses a body that mixes named and positional parameters. */
function checkNaming(params: TemplateBodyParameter[], field: string, check: Check) {
  const named = params.filter((x) => x.parameterName !== undefined).length
  check(named === 0 || named === params.length, field, 'must be all named or all positional')
  params.forEach((x, j) => {
    if (x.parameterName !== undefined) check(/^[a-z][a-z0-9_]*$/.test(x.parameterName), `${field}[${j}].parameter_name`, 'must be lower-case letters, digits and underscores, starting with a letter')
  })
}

function bodyParameter(x: TemplateBodyParameter): JsonObject {
  const name = x.parameterName !== undefined ? { parameter_name: x.parameterName } : {}
  if (x.type === 'text') return { type: 'text', text: x.text, ...name }
  if (x.type === 'currency') return { type: 'currency', currency: { fallback_value: x.fallbackValue, code: x.code, amount_1000: x.amount1000 }, ...name }
  return { type: 'date_time', date_time: { fallback_value: x.fallbackValue }, ...name }
}

function headerParameter(h: TemplateHeaderParameter, field: string, check: Check): JsonObject {
  if (h.type === 'text') return { type: 'text', text: h.text, ...(h.parameterName !== undefined ? { parameter_name: h.parameterName } : {}) }
  const m = media(h, check, field)
  if (h.type === 'document' && h.filename) m.filename = h.filename
  return { type: h.type, [h.type]: m }
}

function contacts(p: ContactsPayload, check: Check): JsonObject[] {
  check(p.contacts.length >= 1 && p.contacts.length <= LIMITS.contacts, 'contacts', `must have 1–${LIMITS.contacts} contacts`)
  return p.contacts.map((c, i) => {
    check(c.name.formattedName.trim().length > 0, `contacts[${i}].name.formatted_name`, 'must not be empty')
    return contact(c)
  })
}

function contact(c: SharedContact): JsonObject {
  const name: JsonObject = { formatted_name: c.name.formattedName }
  if (c.name.firstName) name.first_name = c.name.firstName
  if (c.name.lastName) name.last_name = c.name.lastName
  if (c.name.middleName) name.middle_name = c.name.middleName
  if (c.name.prefix) name.prefix = c.name.prefix
  if (c.name.suffix) name.suffix = c.name.suffix
  const out: JsonObject = { name }
  if (c.phones?.length) out.phones = c.phones.map((x) => ({ phone: x.phone, ...(x.type ? { type: x.type } : {}), ...(x.waId ? { wa_id: x.waId } : {}) }))
  if (c.emails?.length) out.emails = c.emails.map((x) => ({ email: x.email, ...(x.type ? { type: x.type } : {}) }))
  if (c.urls?.length) out.urls = c.urls.map((x) => ({ url: x.url, ...(x.type ? { type: x.type } : {}) }))
  if (c.addresses?.length) {
    out.addresses = c.addresses.map((a) => strip({ street: a.street, city: a.city, state: a.state, zip: a.zip, country: a.country, country_code: a.countryCode, type: a.type }))
  }
  if (c.org) out.org = strip({ company: c.org.company, department: c.org.department, title: c.org.title })
  if (c.birthday) out.birthday = c.birthday
  return out
}

function strip(o: Record<string, string | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''))
}

/** Body of a read receipt (POST …/messages with status=read). */
export function buildReadReceipt(wamid: string): JsonObject {
  return { messaging_product: 'whatsapp', status: 'read', message_id: wamid }
}
