import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { metaRequestExamples, validateMetaError, validateMetaRequest, validateMetaResponse } from '../helpers/meta-spec.js'
import { BIZ, CUSTOMER, CUSTOMER_WA, startRig, wamidOf, type Rig } from './support.js'

const MESSAGES = '/{Version}/{Phone-Number-ID}/messages'

describe('POST /{phone-number-id}/messages', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig()
    await rig.register()
    await rig.customerWrites({ type: 'text', text: 'hello' }) // opens the 24 h window
  })
  afterAll(() => rig.close())

  const bodies: Record<string, Record<string, unknown>> = {
    text: { to: CUSTOMER, type: 'text', text: { body: 'Your order shipped', preview_url: false } },
    image: { to: CUSTOMER, type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'look' } },
    document: { to: CUSTOMER, type: 'document', document: { link: 'https://example.com/a.pdf', filename: 'a.pdf' } },
    audio: { to: CUSTOMER, type: 'audio', audio: { link: 'https://example.com/a.ogg' } },
    video: { to: CUSTOMER, type: 'video', video: { link: 'https://example.com/a.mp4' } },
    sticker: { to: CUSTOMER, type: 'sticker', sticker: { link: 'https://example.com/a.webp' } },
    buttons: { to: CUSTOMER, type: 'interactive', interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }, { type: 'reply', reply: { id: 'n', title: 'No' } }] } } },
    list: { to: CUSTOMER, type: 'interactive', interactive: { type: 'list', body: { text: 'Choose' }, action: { button: 'Options', sections: [{ title: 'S', rows: [{ id: 'a', title: 'A' }] }] } } },
    reaction: { to: CUSTOMER, type: 'reaction', reaction: { message_id: 'wamid.abc', emoji: '👍' } },
    location: { to: CUSTOMER, type: 'location', location: { latitude: 37.4, longitude: -122.1, name: 'HQ' } },
    contacts: { to: CUSTOMER, type: 'contacts', contacts: [{ name: { formatted_name: 'John Smith', first_name: 'John' }, phones: [{ phone: '+1 650 555 1234', type: 'WORK' }] }] },
    reply: { to: CUSTOMER, type: 'text', context: { message_id: 'wamid.prev' }, text: { body: 'replying' } },
  }

  for (const [name, body] of Object.entries(bodies)) {
    test(`accepts a ${name} message and answers like Meta`, async () => {
      const full = { messaging_product: 'whatsapp', recipient_type: 'individual', ...body }
      assert.deepEqual(validateMetaRequest('POST', MESSAGES, full), [], 'the test body itself must be valid per the spec')
      const r = await rig.send(body)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      assert.deepEqual(validateMetaResponse('POST', MESSAGES, 200, r.body), [])
      assert.equal(r.body.messaging_product, 'whatsapp')
      assert.deepEqual(r.body.contacts, [{ input: CUSTOMER, wa_id: CUSTOMER_WA }])
      assert.match(wamidOf(r.body), /^wamid\.[A-Za-z0-9+/=]+$/)
    })
  }

  test('every wamid is unique', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 30; i++) ids.add(wamidOf((await rig.send(bodies.text)).body))
    assert.equal(ids.size, 30)
  })

  test("the spec's own send examples are accepted (placeholders filled in)", async () => {
    const upload = new FormData()
    upload.set('messaging_product', 'whatsapp')
    upload.set('file', new Blob([Buffer.from('img')], { type: 'image/jpeg' }), 'a.jpg')
    const media = await fetch(`${rig.em.url}/v23.0/${BIZ.phoneNumberId}/media`, { method: 'POST', headers: { authorization: `Bearer ${BIZ.token}` }, body: upload })
    const mediaId = ((await media.json()) as { id: string }).id
    let tried = 0
    for (const ex of metaRequestExamples('POST', MESSAGES)) {
      const body = ex.value as Record<string, unknown>
      // Templates need approved templates (templates.test.ts), flows/catalogs need objects we do not emulate.
      if (body.type === 'template' || body.status === 'read') continue
      const filled = JSON.parse(JSON.stringify(body)
        .replace(/"\{\{Recipient-[A-Za-z-]+\}\}"/g, JSON.stringify(CUSTOMER))
        .replace(/"<[A-Z_]*OBJECT_ID>"/g, JSON.stringify(mediaId))
        .replace(/"<?http\(s\):\/\/[^"]*"/g, '"https://example.com/media"')) as Record<string, unknown>
      filled.to = CUSTOMER
      const r = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/messages`, filled)
      assert.equal(r.status, 200, `${ex.name}: ${JSON.stringify(r.body)}`)
      tried++
    }
    assert.ok(tried >= 10, `only ${tried} examples exercised`)
  })

  test('mark as read answers {success: true}', async () => {
    const inbound = await rig.customerWrites({ type: 'text', text: 'read me' })
    const r = await rig.send({ status: 'read', message_id: inbound.wamid })
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { success: true })
    const typing = await rig.send({ status: 'read', message_id: inbound.wamid, typing_indicator: { type: 'text' } })
    assert.deepEqual(typing.body, { success: true })
  })

  test('a wrong or missing token is a 401 with code 190 (OAuthException)', async () => {
    for (const token of ['wrong-token', null]) {
      const r = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/messages`, { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x' } }, token)
      assert.equal(r.status, 401)
      assert.equal(r.body.error?.code, 190)
      assert.equal(r.body.error?.type, 'OAuthException')
      assert.deepEqual(validateMetaError(r.body), [])
    }
  })

  test('an unknown phone number id is Graph\'s "object does not exist" error', async () => {
    const r = await rig.graph('POST', '/v23.0/999999999/messages', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x' } })
    assert.equal(r.status, 400)
    assert.equal(r.body.error?.code, 100)
    assert.equal(r.body.error?.error_subcode, 33)
    assert.equal(r.body.error?.type, 'GraphMethodException')
    assert.match(String(r.body.error?.message), /Object with ID '999999999' does not exist/)
    assert.deepEqual(validateMetaError(r.body), [])
  })

  const badBodies: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no messaging_product', { to: CUSTOMER, type: 'text', text: { body: 'x' } }, /messaging_product is required/],
    ['no to', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, /parameter to is required/],
    ['unknown type', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'hologram' }, /Param type must be one of/],
    ['text without body', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: {} }, /text\['body'\] is required/],
    ['text too long', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x'.repeat(4097) } }, /at most 4096/],
    ['image with neither id nor link', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'image', image: {} }, /exactly one of id or link/],
    ['four reply buttons', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `i${i}`, title: 't' } })) } } }, /between 1 and 3/],
    ['reaction without message_id', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'reaction', reaction: { emoji: 'x' } }, /reaction\['message_id'\]/],
    ['not a phone number', { messaging_product: 'whatsapp', to: 'bob', type: 'text', text: { body: 'x' } }, /international format/],
  ]
  for (const [name, body, detail] of badBodies) {
    test(`rejects a body with ${name}: 400, code 100`, async () => {
      const r = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/messages`, body)
      assert.equal(r.status, 400)
      assert.equal(r.body.error?.code, 100)
      const err = r.body.error as { error_data?: { details: string; messaging_product: string }; fbtrace_id?: string }
      assert.equal(err.error_data?.messaging_product, 'whatsapp')
      assert.match(String(err.error_data?.details), detail)
      assert.ok(err.fbtrace_id)
      assert.deepEqual(validateMetaError(r.body), [])
    })
  }

  test('malformed JSON is a Meta-shaped 400', async () => {
    const res = await fetch(`${rig.em.url}/v23.0/${BIZ.phoneNumberId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BIZ.token}` }, body: '{nope' })
    assert.equal(res.status, 400)
    const body = await res.json()
    assert.deepEqual(validateMetaError(body), [])
  })

  test('any Graph version prefix is accepted', async () => {
    const r = await rig.graph('POST', `/v19.0/${BIZ.phoneNumberId}/messages`, { messaging_product: 'whatsapp', ...bodies.text })
    assert.equal(r.status, 200)
  })

  test('GET /{phone-number-id} returns the number as Meta describes it', async () => {
    await rig.register(BIZ, { throughput_mps: 80 })
    const r = await rig.graph('GET', `/v23.0/${BIZ.phoneNumberId}`)
    assert.equal(r.status, 200)
    assert.deepEqual(validateMetaResponse('GET', '/{Version}/{Phone-Number-ID}', 200, r.body), [])
    assert.equal(r.body.id, BIZ.phoneNumberId)
    assert.equal(r.body.display_phone_number, BIZ.display)
    assert.equal(r.body.quality_rating, 'GREEN')
    assert.deepEqual(r.body.throughput, { level: 'STANDARD' })
    await rig.register(BIZ, { throughput_mps: 1000 })
    assert.deepEqual((await rig.graph('GET', `/v23.0/${BIZ.phoneNumberId}`)).body.throughput, { level: 'HIGH' })
    const some = await rig.graph('GET', `/v23.0/${BIZ.phoneNumberId}?fields=verified_name`)
    assert.deepEqual(Object.keys(some.body).sort(), ['id', 'verified_name'])
    assert.equal((await rig.graph('GET', `/v23.0/${BIZ.phoneNumberId}`, undefined, 'nope')).status, 401)
  })

  test('register (with a 6-digit pin) and subscribed_apps answer {success: true}', async () => {
    const reg = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/register`, { messaging_product: 'whatsapp', pin: '123456' })
    assert.deepEqual(reg.body, { success: true })
    assert.deepEqual(validateMetaResponse('POST', '/{Version}/{Phone-Number-ID}/register', 200, reg.body), [])
    const badPin = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/register`, { messaging_product: 'whatsapp', pin: '12' })
    assert.equal(badPin.status, 400)
    assert.equal(badPin.body.error?.code, 100)
    const sub = await rig.graph('POST', `/v23.0/${BIZ.wabaId}/subscribed_apps`, {})
    assert.deepEqual(sub.body, { success: true })
    const unknownWaba = await rig.graph('POST', '/v23.0/123123/subscribed_apps', {})
    assert.equal(unknownWaba.body.error?.code, 100)
  })
})
