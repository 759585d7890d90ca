import { describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { parseWebhook } from '../../src/providers/cloud/webhook.js'
import { signBody, verifySignature } from '../../src/providers/cloud/signature.js'
import type { InboundEvent, InboundMessageEvent, InboundStatusEvent } from '../../src/providers/port.js'
import { ValidationError } from '../../src/domain/errors.js'
import { metaWebhookExamples, validateMetaWebhook } from '../helpers/meta-spec.js'

type Obj = Record<string, unknown>
const PHONE_ID = '106540352242922'
const WABA = '419561257915477'

function envelope(value: Obj, field = 'messages', wabaId = WABA): Obj {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [{ field, value }] }] }
}
function messagesValue(messages: Obj[], contacts: Obj[] = [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }]): Obj {
  return { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID }, contacts, messages }
}
function msg(type: string, body: Obj, extra: Obj = {}): Obj {
  return { from: '16505551234', id: `wamid.${type}`, timestamp: '1749416383', type, [type]: body, ...extra }
}
function only(events: InboundEvent[]): InboundMessageEvent {
  assert.equal(events.length, 1)
  const e = events[0]
  assert.equal(e.kind, 'message')
  return e as InboundMessageEvent
}
function parseOne(message: Obj): InboundMessageEvent {
  return only(parseWebhook(envelope(messagesValue([message]))).changes[0].events)
}
/** Messages and statuses a raw payload carries, counted independently of the parser. */
function countIn(payload: unknown): { messages: number; statuses: number } {
  let messages = 0
  let statuses = 0
  for (const entry of (payload as { entry?: Array<{ changes?: Array<{ value?: Obj }> }> }).entry ?? []) {
    for (const change of entry.changes ?? []) {
      messages += Array.isArray(change.value?.messages) ? change.value.messages.length : 0
      statuses += Array.isArray(change.value?.statuses) ? change.value.statuses.length : 0
    }
  }
  return { messages, statuses }
}

describe('parseWebhook on the spec examples', () => {
  const examples = metaWebhookExamples()
  for (const ex of examples) {
    test(`${ex.name}: nothing lost`, () => {
      const batch = parseWebhook(ex.value)
      const events = batch.changes.flatMap((c) => c.events)
      const { messages, statuses } = countIn(ex.value)
      assert.equal(events.filter((e) => e.kind === 'message').length, messages)
      assert.equal(events.filter((e) => e.kind === 'status').length, statuses)
      // Every change yields at least one event, even group_* fields we do not model.
      for (const c of batch.changes) assert.ok(c.events.length >= 1, c.field)
      for (const e of events) {
        if (e.kind !== 'message') continue
        assert.ok(e.wamid.startsWith('wamid.'))
        assert.ok(e.timestamp instanceof Date && !Number.isNaN(e.timestamp.getTime()))
        assert.notEqual(e.content.type, 'unknown', `${ex.name} has a type we should know: ${e.type}`)
      }
    })
  }

  test('routing keys come from metadata and entry', () => {
    const text = examples.find((e) => e.name === 'Text Message')
    assert.ok(text)
    const [change] = parseWebhook(text.value).changes
    assert.equal(change.phoneNumberId, PHONE_ID)
    assert.equal(change.wabaId, WABA)
    assert.equal(change.displayPhoneNumber, '15550783881')
    const m = only(change.events)
    assert.equal(m.from, '+16505551234')
    assert.equal(m.profileName, 'Sheena Nelson')
    assert.equal(m.text, 'Does it come in another color?')
    assert.equal(m.timestamp?.toISOString(), new Date(1749416383 * 1000).toISOString())
  })
})

describe('parseWebhook per inbound type', () => {
  test('text with reply context, forwarded flags and referral', () => {
    const m = parseOne(msg('text', { body: 'hi' }, { context: { from: '15550783881', id: 'wamid.orig', forwarded: true, frequently_forwarded: true }, referral: { source_type: 'ad' } }))
    assert.deepEqual(m.content, { type: 'text', body: 'hi' })
    assert.equal(m.context?.wamid, 'wamid.orig')
    assert.equal(m.context?.from, '+15550783881')
    assert.equal(m.context?.forwarded, true)
    assert.equal(m.context?.frequentlyForwarded, true)
    assert.deepEqual(m.referral, { source_type: 'ad' })
  })

  test('reaction, and a removed reaction', () => {
    assert.deepEqual(parseOne(msg('reaction', { message_id: 'wamid.t', emoji: '❤️' })).content, { type: 'reaction', targetWamid: 'wamid.t', emoji: '❤️', removed: false })
    assert.deepEqual(parseOne(msg('reaction', { message_id: 'wamid.t' })).content, { type: 'reaction', targetWamid: 'wamid.t', emoji: null, removed: true })
  })

  test('every media type keeps id, mime, sha256, caption and filename', () => {
    for (const type of ['image', 'video', 'audio', 'document', 'sticker'] as const) {
      const m = parseOne(msg(type, { id: '1234', mime_type: 'x/y', sha256: 'abc', caption: 'cap', filename: 'f.pdf', voice: true, animated: true }))
      assert.deepEqual(m.content, { type, mediaId: '1234', mimeType: 'x/y', sha256: 'abc', caption: 'cap', filename: 'f.pdf', voice: true, animated: true })
    }
  })

  test('interactive button and list replies, and button (template quick reply)', () => {
    const b = parseOne(msg('interactive', { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } }))
    assert.deepEqual(b.content, { type: 'interactive', replyType: 'button_reply', id: 'yes', title: 'Yes', description: null, responseJson: null })
    assert.equal(b.text, 'Yes')
    const l = parseOne(msg('interactive', { type: 'list_reply', list_reply: { id: 'r1', title: 'Row', description: 'd' } }))
    assert.deepEqual(l.content, { type: 'interactive', replyType: 'list_reply', id: 'r1', title: 'Row', description: 'd', responseJson: null })
    const f = parseOne(msg('interactive', { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"a":1}' } }))
    assert.equal(f.content.type === 'interactive' && f.content.responseJson, '{"a":1}')
    const q = parseOne(msg('button', { payload: 'STOP', text: 'Stop promotions' }))
    assert.deepEqual(q.content, { type: 'button', payload: 'STOP', text: 'Stop promotions' })
  })

  test('location, contacts, order, system, unsupported', () => {
    assert.deepEqual(parseOne(msg('location', { latitude: 37.48, longitude: '-122.14', name: 'HQ', address: 'Way', url: 'https://x' })).content, {
      type: 'location', latitude: 37.48, longitude: -122.14, name: 'HQ', address: 'Way', url: 'https://x',
    })
    const c = parseOne({ from: '16505551234', id: 'wamid.c', timestamp: '1', type: 'contacts', contacts: [{ name: { formatted_name: 'Ada' }, phones: [{ phone: '+1 650', wa_id: '1650', type: 'WORK' }], emails: [{ email: 'a@x' }] }] })
    assert.equal(c.content.type, 'contacts')
    if (c.content.type === 'contacts') {
      assert.equal(c.content.contacts[0].name, 'Ada')
      assert.deepEqual(c.content.contacts[0].phones, [{ phone: '+1 650', waId: '1650', type: 'WORK' }])
      assert.deepEqual(c.content.contacts[0].emails, ['a@x'])
    }
    const o = parseOne(msg('order', { catalog_id: '9', text: 'pls', product_items: [{ product_retailer_id: 'sku', quantity: '2', item_price: 9.5, currency: 'USD' }] }))
    assert.deepEqual(o.content, { type: 'order', catalogId: '9', text: 'pls', items: [{ productRetailerId: 'sku', quantity: 2, itemPrice: 9.5, currency: 'USD' }] })
    const s = parseOne(msg('system', { body: 'changed number', type: 'user_changed_number', wa_id: '16505550000' }))
    assert.deepEqual(s.content, { type: 'system', systemType: 'user_changed_number', body: 'changed number', newWaId: '16505550000', userId: null })
    const u = parseOne({ from: '1', id: 'wamid.u', timestamp: '1', type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'not supported' } }] })
    assert.deepEqual(u.content, { type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', details: 'not supported' }] })
  })

  test('an unknown type is kept raw with its type, never thrown', () => {
    const raw = msg('hologram', { depth: 3 })
    const m = parseOne(raw)
    assert.equal(m.type, 'hologram')
    assert.deepEqual(m.content, { type: 'unknown', originalType: 'hologram', raw })
    assert.deepEqual(m.raw, raw)
    // A known type whose body is missing is also kept, not coerced.
    assert.equal(parseOne({ from: '1', id: 'wamid.t', timestamp: '1', type: 'text' }).content.type, 'unknown')
  })

  test('2026 username users: no `from`, a BSUID and a username instead', () => {
    const m = only(parseWebhook(envelope(messagesValue(
      [{ from_user_id: 'US.13491208655302741918', id: 'wamid.b', timestamp: '1750000000', type: 'text', text: { body: 'hey' } }],
      [{ profile: { name: 'Maria', username: '@maria' }, user_id: 'US.13491208655302741918' }],
    ))).changes[0].events)
    assert.equal(m.from, null)
    assert.equal(m.userId, 'US.13491208655302741918')
    assert.equal(m.username, '@maria')
    assert.equal(m.profileName, 'Maria')
  })
})

describe('parseWebhook statuses, templates and unknown fields', () => {
  const statusValue = (statuses: Obj[]) => ({ messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID }, statuses })

  test('each delivery status, with pricing, conversation and errors', () => {
    const statuses = ['sent', 'delivered', 'read', 'played'].map((s, i) => ({
      id: 'wamid.out', status: s, timestamp: String(1750000000 + i), recipient_id: '16505551234',
      conversation: { id: 'c1', expiration_timestamp: '1750086400', origin: { type: 'service' } },
      pricing: { billable: true, pricing_model: 'PMP', category: 'service' },
    }))
    statuses.push({ id: 'wamid.out2', status: 'failed', timestamp: '1750000009', recipient_id: '16505551234', errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed' } }] } as never)
    const payload = envelope(statusValue(statuses))
    assert.deepEqual(validateMetaWebhook(envelope(statusValue(statuses.filter((s) => s.status !== 'played')))), [], 'our fixtures follow the spec')
    const events = parseWebhook(payload).changes[0].events as InboundStatusEvent[]
    assert.deepEqual(events.map((e) => e.status), ['sent', 'delivered', 'read', 'played', 'failed'])
    assert.equal(events[0].recipient, '+16505551234')
    assert.equal(events[0].timestamp?.getTime(), 1750000000_000)
    assert.deepEqual(events[0].pricing, { billable: true, pricingModel: 'PMP', category: 'service', type: null })
    assert.deepEqual(events[0].conversation, { id: 'c1', originType: 'service', expiresAt: new Date(1750086400_000) })
    assert.deepEqual(events[4].errors, [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', details: 'More than 24 hours have passed' }])
  })

  test('an unknown status is kept raw, not coerced', () => {
    const raw = { id: 'wamid.x', status: 'deleted', timestamp: '1', recipient_id: '1' }
    const [e] = parseWebhook(envelope(statusValue([raw]))).changes[0].events
    assert.deepEqual(e, { kind: 'unknown', field: 'messages', raw })
  })

  test('template status updates are routed by WABA id', () => {
    for (const event of ['APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'PENDING_DELETION']) {
      const [change] = parseWebhook(envelope({ event, message_template_id: 1234567890123, message_template_name: 'order_update', message_template_language: 'en_US', reason: event === 'REJECTED' ? 'INVALID_FORMAT' : 'NONE' }, 'message_template_status_update', '555')).changes
      assert.equal(change.phoneNumberId, null)
      assert.equal(change.wabaId, '555')
      assert.deepEqual({ ...change.events[0], raw: undefined }, {
        kind: 'template_status', wabaId: '555', templateId: '1234567890123', name: 'order_update', language: 'en_US', event,
        reason: event === 'REJECTED' ? 'INVALID_FORMAT' : null, raw: undefined,
      })
    }
  })

  test('unknown change fields and change-level errors are kept', () => {
    const value = { phone_number: '15550783881', event: 'FLAGGED' }
    const [change] = parseWebhook(envelope(value, 'phone_number_quality_update')).changes
    assert.deepEqual(change.events, [{ kind: 'unknown', field: 'phone_number_quality_update', raw: value }])
    const errValue = { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: PHONE_ID }, errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong' }] }
    const [e] = parseWebhook(envelope(errValue)).changes[0].events
    assert.equal(e.kind, 'error')
  })

  test('a non-object payload is refused; odd shapes inside are tolerated', () => {
    assert.throws(() => parseWebhook('nope'), ValidationError)
    assert.throws(() => parseWebhook([1]), ValidationError)
    assert.deepEqual(parseWebhook({}).changes, [])
    assert.deepEqual(parseWebhook({ entry: [{ id: 1, changes: [{ field: 'messages', value: null }] }] }).changes[0].events[0].kind, 'unknown')
  })

  test('a batch of 1,000 messages and statuses across entries and changes loses nothing', () => {
    const entries = Array.from({ length: 10 }, (_, e) => ({
      id: `waba${e}`,
      changes: Array.from({ length: 5 }, (_, c) => ({
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '1555', phone_number_id: `pn${e}-${c}` },
          contacts: [{ profile: { name: 'x' }, wa_id: '16505551234' }],
          messages: Array.from({ length: 10 }, (_, m) => msg(m % 3 ? 'text' : 'mystery', { body: `m${e}.${c}.${m}` }, { id: `wamid.${e}.${c}.${m}` })),
          statuses: Array.from({ length: 10 }, (_, s) => ({ id: `wamid.s${e}.${c}.${s}`, status: 'delivered', timestamp: '1', recipient_id: '1' })),
        },
      })),
    }))
    const payload = { object: 'whatsapp_business_account', entry: entries }
    const { messages, statuses } = countIn(payload)
    assert.equal(messages + statuses, 1000)
    const batch = parseWebhook(payload)
    assert.equal(batch.changes.length, 50)
    const events = batch.changes.flatMap((c) => c.events)
    assert.equal(events.filter((e) => e.kind === 'message').length, messages)
    assert.equal(events.filter((e) => e.kind === 'status').length, statuses)
    assert.equal(new Set(events.map((e) => (e.kind === 'message' || e.kind === 'status' ? e.wamid : ''))).size, 1000)
    assert.equal(batch.changes[17].phoneNumberId, 'pn3-2')
  })
})

describe('verifySignature', () => {
  const secret = 'app-secret'
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}')
  const good = signBody(body, secret)

  test('accepts the signature Meta would send', () => {
    assert.equal(verifySignature(body, good, secret), true)
    assert.equal(verifySignature(body, good.replace('sha256=', 'sha256=').toUpperCase().replace('SHA256=', 'sha256='), secret), true, 'hex case does not matter')
  })
  test('refuses missing, empty, wrong-prefix, wrong-secret, truncated and tampered', () => {
    assert.equal(verifySignature(body, undefined, secret), false)
    assert.equal(verifySignature(body, '', secret), false)
    assert.equal(verifySignature(body, good.replace('sha256=', 'sha1='), secret), false)
    assert.equal(verifySignature(body, good.slice('sha256='.length), secret), false)
    assert.equal(verifySignature(body, good, 'other-secret'), false)
    assert.equal(verifySignature(body, good.slice(0, -2), secret), false)
    assert.equal(verifySignature(Buffer.from(body.toString().replace('[]', '[ ]')), good, secret), false, 'same JSON, different bytes')
    assert.equal(verifySignature(body, good, ''), false, 'no secret configured never verifies')
  })
})
