import { afterAll, afterEach, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { validateMetaWebhook } from '../helpers/meta-spec.js'
import { BIZ, CUSTOMER, CUSTOMER_WA, startRig, verifySignature, waitFor, wamidOf, type Rig } from './support.js'

describe('status webhooks', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig()
    await rig.register()
  })
  afterAll(() => rig.close())
  afterEach(async () => {
    await rig.control('POST', '/_emulator/clock', { offset_seconds: 0 })
    await rig.control('PATCH', '/_emulator/config', { auto_read: true, not_on_whatsapp: [] })
  })

  const text = (body: string) => ({ to: CUSTOMER, type: 'text', text: { body } })

  test('an accepted send is followed by sent → delivered → read, signed and shaped like Meta', async () => {
    await rig.customerWrites({ type: 'text', text: 'hi' })
    const wamid = wamidOf((await rig.send(text('order shipped'))).body)
    const statuses = await waitFor('three statuses', () => { const s = rig.hook.statuses(wamid); return s.length >= 3 && s })
    assert.deepEqual(statuses.map((s) => s.status), ['sent', 'delivered', 'read'])
    for (const s of statuses) {
      assert.equal(s.recipient_id, CUSTOMER_WA)
      assert.match(s.timestamp, /^\d{10}$/)
    }
    const sent = statuses[0] as unknown as Record<string, unknown> & { conversation: { id: string; expiration_timestamp: string; origin: { type: string } }; pricing: Record<string, unknown> }
    assert.ok(sent.conversation.id)
    assert.equal(sent.conversation.origin.type, 'service')
    assert.match(sent.conversation.expiration_timestamp, /^\d{10}$/)
    assert.deepEqual(sent.pricing, { billable: false, pricing_model: 'CBP', category: 'service' })
    assert.equal(statuses[2].conversation, undefined, 'read carries no conversation, as with Meta')

    const posts = rig.hook.received.filter((r) => r.json.entry[0].changes[0].value.statuses?.some((s) => s.id === wamid))
    assert.equal(posts.length, 3)
    for (const p of posts) {
      assert.ok(verifySignature(p, BIZ.secret), 'X-Hub-Signature-256 is the HMAC of the raw body with the app secret')
      assert.ok(!verifySignature(p, 'another-secret'))
      assert.deepEqual(validateMetaWebhook(p.json), [])
      assert.equal(p.json.object, 'whatsapp_business_account')
      assert.equal(p.json.entry[0].id, BIZ.wabaId)
      assert.equal(p.json.entry[0].changes[0].field, 'messages')
      assert.deepEqual(p.json.entry[0].changes[0].value.metadata, { display_phone_number: '15550783881', phone_number_id: BIZ.phoneNumberId })
    }
    const outbox = await rig.control('GET', `/_emulator/outbox?to=${encodeURIComponent(CUSTOMER)}&phone_number_id=${BIZ.phoneNumberId}`)
    const entry = (outbox.body.data as Array<{ wamid: string; status: string; type: string; body: unknown }>).find((e) => e.wamid === wamid)
    assert.equal(entry?.status, 'read')
    assert.equal(entry?.type, 'text')
  })

  test('with auto_read off a message stops at delivered', async () => {
    await rig.control('PATCH', '/_emulator/config', { auto_read: false })
    await rig.customerWrites({ type: 'text', text: 'hi' })
    const wamid = wamidOf((await rig.send(text('no read'))).body)
    await waitFor('delivered', () => rig.hook.statuses(wamid).some((s) => s.status === 'delivered'))
    // A later message's full cycle bounds the wait: once it is delivered, a read for the first would have come.
    const later = wamidOf((await rig.send(text('second'))).body)
    await waitFor('second delivered', () => rig.hook.statuses(later).some((s) => s.status === 'delivered'))
    assert.deepEqual(rig.hook.statuses(wamid).map((s) => s.status), ['sent', 'delivered'])
  })

  test('free-form content more than 24 h after the last inbound fails async with 131047; templates are not affected', async () => {
    await rig.customerWrites({ type: 'text', text: 'hi' }, '+16505550001')
    const inside = wamidOf((await rig.send({ to: '+16505550001', type: 'text', text: { body: 'inside' } })).body)
    await waitFor('inside sent', () => rig.hook.statuses(inside).some((s) => s.status === 'sent'))

    await rig.control('POST', '/_emulator/clock', { offset_seconds: 24 * 3600 + 60 })
    const r = await rig.send({ to: '+16505550001', type: 'text', text: { body: 'too late' } })
    assert.equal(r.status, 200, 'Meta accepts the call and fails the message afterwards')
    const late = wamidOf(r.body)
    const failed = await waitFor('failed status', () => rig.hook.statuses(late).find((s) => s.status === 'failed'))
    const errors = failed.errors as Array<{ code: number; title: string; message: string; error_data: { details: string } }>
    assert.equal(errors[0].code, 131047)
    assert.equal(errors[0].title, 'Re-engagement message')
    assert.match(errors[0].error_data.details, /24 hours/)
    assert.equal(rig.hook.statuses(late).length, 1, 'a failed message has no sent status')
    const post = rig.hook.received.find((p) => p.json.entry[0].changes[0].value.statuses?.some((s) => s.id === late))
    assert.ok(post)
    assert.deepEqual(validateMetaWebhook(post.json), [])

    const never = wamidOf((await rig.send({ to: '+16505550002', type: 'image', image: { link: 'https://example.com/x.png' } })).body)
    await waitFor('never-wrote failure', () => rig.hook.statuses(never).find((s) => s.status === 'failed'))

    // The customer writes again (on the moved clock): the window reopens.
    await rig.customerWrites({ type: 'text', text: 'back' }, '+16505550001')
    const reopened = wamidOf((await rig.send({ to: '+16505550001', type: 'text', text: { body: 'welcome back' } })).body)
    await waitFor('reopened sent', () => rig.hook.statuses(reopened).some((s) => s.status === 'sent'))
    assert.ok(!rig.hook.statuses(reopened).some((s) => s.status === 'failed'))

    const outbox = await rig.control('GET', `/_emulator/outbox?to=%2B16505550001`)
    const lateEntry = (outbox.body.data as Array<{ wamid: string; status: string; errors: Array<{ code: number }> }>).find((e) => e.wamid === late)
    assert.equal(lateEntry?.status, 'failed')
    assert.equal(lateEntry?.errors[0].code, 131047)
  })

  test('a phone configured as not on WhatsApp fails async with 131026', async () => {
    await rig.control('PATCH', '/_emulator/config', { not_on_whatsapp: ['+1 650 555 9999'] })
    await rig.customerWrites({ type: 'text', text: 'hi' }, '+16505559999')
    const wamid = wamidOf((await rig.send({ to: '+16505559999', type: 'text', text: { body: 'hello?' } })).body)
    const failed = await waitFor('failed', () => rig.hook.statuses(wamid).find((s) => s.status === 'failed'))
    assert.equal((failed.errors as Array<{ code: number; title: string }>)[0].code, 131026)
    assert.equal((failed.errors as Array<{ code: number; title: string }>)[0].title, 'Message undeliverable')
  })

  test('timestamps follow the emulator clock', async () => {
    await rig.control('POST', '/_emulator/clock', { offset_seconds: -86_400 * 365 })
    const clock = await rig.control('GET', '/_emulator/clock')
    assert.equal(clock.body.offset_seconds, -86_400 * 365)
    const inbound = await rig.customerWrites({ type: 'text', text: 'a year ago' })
    const expected = Number(clock.body.now_unix)
    assert.ok(Math.abs(Number(inbound.timestamp) - expected) < 120, 'inbound timestamp uses the moved clock')
    const wamid = wamidOf((await rig.send(text('then'))).body)
    const sent = await waitFor('sent', () => rig.hook.statuses(wamid).find((s) => s.status === 'sent'))
    assert.ok(Math.abs(Number(sent.timestamp) - expected) < 120)
  })

  test('biz_opaque_callback_data is echoed on statuses', async () => {
    await rig.customerWrites({ type: 'text', text: 'hi' })
    const wamid = wamidOf((await rig.send({ ...text('tracked'), biz_opaque_callback_data: 'order-42' })).body)
    const sent = await waitFor('sent', () => rig.hook.statuses(wamid).find((s) => s.status === 'sent'))
    assert.equal(sent.biz_opaque_callback_data, 'order-42')
  })
})
