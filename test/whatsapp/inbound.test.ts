import assert from 'node:assert/strict'
import { test } from 'vitest'
import { signBody } from '../../src/providers/index.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, customerWrites, waitFor, useEmulator } from '../helpers/whatsapp.js'
import { count, messagesPayload, postSigned, rows, sql, textMessage, wamid } from './support.js'

interface MsgRow {
  id: string
  message_type: string
  text: string | null
  payload: { content: Record<string, unknown>; raw: Record<string, unknown>; media_id?: string; context?: Record<string, unknown> }
  reply_to_message_id: string | null
  reactions: Array<Record<string, unknown>>
  conversation_id: string
  delivery_status: string
}

const msgByWamid = async (t: ReturnType<ReturnType<typeof useTestApp>>, w: string) =>
  (await rows<MsgRow>(t, sql`SELECT * FROM messages WHERE provider_message_id = ${w}`))[0]

forEachDatabase('inbound webhooks', (kind) => {
  const t = useTestApp(kind, { listen: true })
  const emu = useEmulator()

  test('handshake: the verify token of a number echoes the challenge; anything else is 403', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId)
    const ok = await t().request('GET', `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${num.verifyToken}&hub.challenge=1158201444`)
    assert.equal(ok.status, 200)
    assert.equal(ok.body, '1158201444')
    const bad = await t().request('GET', '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')
    assert.equal(bad.status, 403)
    assert.equal(bad.body.error.code, 'webhook_verification_failed')
    assert.match(bad.body.message, /verify token matches no connected number/)
    const noMode = await t().request('GET', `/webhooks/whatsapp?hub.verify_token=${num.verifyToken}&hub.challenge=1`)
    assert.equal(noMode.status, 403)
  })

  test('signature missing, bad or over other bytes: 401 and nothing stored', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const m = textMessage('+14155550101', 'hi')
    const payload = messagesPayload(num, [m])
    const raw = JSON.stringify(payload)
    const missing = await postSigned(t(), payload, num.appSecret, { signature: null })
    assert.equal(missing.status, 401)
    assert.equal(missing.body.error.code, 'invalid_signature')
    assert.match(missing.body.message, /X-Hub-Signature-256 header is missing/)
    const wrongSecret = await postSigned(t(), payload, 'not-the-secret')
    assert.equal(wrongSecret.status, 401)
    assert.match(wrongSecret.body.message, /does not match the body/)
    const garbage = await postSigned(t(), payload, num.appSecret, { signature: 'sha256=zz' })
    assert.equal(garbage.status, 401)
    // Signed, then one character changed: the JSON still parses, the HMAC does not match.
    const tampered = raw.replace('"hi"', '"hI"')
    const t1 = await postSigned(t(), null, num.appSecret, { raw: tampered, signature: signBody(raw, num.appSecret) })
    assert.equal(t1.status, 401)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${m.id as string}`), 0)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM contacts WHERE business_id = ${businessId}::uuid`), 0)
    // Re-serialised JSON (other spacing) is other bytes: also refused.
    const spaced = JSON.stringify(payload, null, 2)
    assert.equal((await postSigned(t(), null, num.appSecret, { raw: spaced, signature: signBody(raw, num.appSecret) })).status, 401)
    // The right signature over the exact bytes: stored.
    const good = await postSigned(t(), null, num.appSecret, { raw })
    assert.equal(good.status, 200)
    assert.equal(good.body.data.new_messages, 1)
  })

  test('unknown number: 200 so Meta stops retrying, nothing stored', async () => {
    const m = textMessage('+14155550102', 'hello?')
    const r = await postSigned(t(), messagesPayload({ phoneNumberId: '999000999000999', displayPhone: '+14155550000', wabaId: '1' }, [m]), 'whatever')
    assert.equal(r.status, 200)
    assert.equal(r.body.data.ignored_changes, 1)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${m.id as string}`), 0)
  })

  test('every inbound type from the emulator is stored, with contact, conversation and media', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId)
    const customer = '+14155550111'
    const sent: Record<string, string> = {}
    const first = await customerWrites(emu(), num, customer, { type: 'text', text: 'Hello there', name: 'Sheena Nelson' })
    sent.text = first.wamid
    const bodies: Record<string, Record<string, unknown>> = {
      image: { type: 'image', caption: 'my receipt' },
      document: { type: 'document', filename: 'invoice.pdf' },
      audio: { type: 'audio', voice: true },
      video: { type: 'video' },
      sticker: { type: 'sticker' },
      location: { type: 'location', location: { latitude: 51.5, longitude: -0.12, name: 'Office' } },
      contacts: { type: 'contacts' },
      button_reply: { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } },
      list_reply: { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row 1', description: 'first' } } },
      button: { type: 'button', button: { payload: 'STOP_PROMO', text: 'Stop promotions' } },
      order: { type: 'order' },
      unsupported: { type: 'unsupported' },
      reply: { type: 'text', text: 'replying', context: { message_id: first.wamid } },
      reaction: { type: 'reaction', reaction: { message_id: first.wamid, emoji: '❤️' } },
    }
    for (const [k, b] of Object.entries(bodies)) sent[k] = (await customerWrites(emu(), num, customer, { name: 'Sheena Nelson', ...b })).wamid
    const all = Object.values(sent)
    await waitFor(async () => (await count(t(), sql`SELECT count(*) AS n FROM messages WHERE number_id = ${num.numberId}::uuid`)) === all.length, 10_000, 'all messages')

    const text = await msgByWamid(t(), sent.text)
    assert.equal(text.message_type, 'text')
    assert.equal(text.text, 'Hello there')
    assert.equal(text.delivery_status, 'received')
    const image = await msgByWamid(t(), sent.image)
    assert.equal(image.text, 'my receipt')
    assert.ok(image.payload.media_id)
    const [media] = await rows<{ mime_type: string; provider_media_id: string; origin: string }>(t(), sql`SELECT * FROM media WHERE id = ${image.payload.media_id}::uuid`)
    assert.equal(media.origin, 'inbound')
    assert.equal(media.mime_type, 'image/png')
    const doc = await msgByWamid(t(), sent.document)
    assert.equal((doc.payload.content as { filename: string }).filename, 'invoice.pdf')
    assert.equal((await msgByWamid(t(), sent.audio)).payload.content.voice, true)
    for (const k of ['video', 'sticker']) assert.ok((await msgByWamid(t(), sent[k])).payload.media_id, k)
    const loc = await msgByWamid(t(), sent.location)
    assert.equal(loc.payload.content.latitude, 51.5)
    assert.equal(loc.payload.content.name, 'Office')
    assert.equal(((await msgByWamid(t(), sent.contacts)).payload.content.contacts as unknown[]).length, 1)
    const br = await msgByWamid(t(), sent.button_reply)
    assert.equal(br.message_type, 'interactive')
    assert.equal(br.text, 'Yes')
    assert.equal(br.payload.content.replyType, 'button_reply')
    const lr = await msgByWamid(t(), sent.list_reply)
    assert.equal(lr.payload.content.description, 'first')
    const btn = await msgByWamid(t(), sent.button)
    assert.equal(btn.payload.content.payload, 'STOP_PROMO')
    assert.equal(btn.text, 'Stop promotions')
    assert.equal(((await msgByWamid(t(), sent.order)).payload.content.items as unknown[]).length, 1)
    const uns = await msgByWamid(t(), sent.unsupported)
    assert.equal((uns.payload.content.errors as Array<{ code: number }>)[0].code, 131051)
    const reply = await msgByWamid(t(), sent.reply)
    assert.equal(reply.reply_to_message_id, text.id)
    // The reaction is attached to the message it reacts to.
    const reacted = await msgByWamid(t(), sent.text)
    assert.equal(reacted.reactions.length, 1)
    assert.equal(reacted.reactions[0].emoji, '❤️')

    // One contact (named from the profile), one conversation with every message unread.
    const [contact] = await rows<{ id: string; name: string; phone: string }>(t(), sql`SELECT * FROM contacts WHERE business_id = ${businessId}::uuid`)
    assert.equal(contact.phone, customer)
    assert.equal(contact.name, 'Sheena Nelson')
    const convs = await rows<{ unread_count: number; last_inbound_at: string; last_message_preview: string; status: string }>(
      t(), sql`SELECT * FROM conversations WHERE number_id = ${num.numberId}::uuid`)
    assert.equal(convs.length, 1)
    assert.equal(convs[0].unread_count, all.length)
    assert.equal(convs[0].status, 'open')

    // An empty emoji removes the customer's reaction.
    const removal = await customerWrites(emu(), num, customer, { type: 'reaction', reaction: { message_id: sent.text, emoji: '' } })
    await waitFor(async () => msgByWamid(t(), removal.wamid), 5000, 'reaction removal')
    assert.deepEqual((await msgByWamid(t(), sent.text)).reactions, [])
  })

  test('a type nobody knows yet is kept raw and does not fail the webhook', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const id = wamid('future')
    const m = { from: '14155550112', id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'hologram', hologram: { depth: 3 } }
    const r = await postSigned(t(), messagesPayload(num, [m]), num.appSecret)
    assert.equal(r.status, 200)
    const row = await msgByWamid(t(), id)
    assert.equal(row.message_type, 'hologram')
    assert.deepEqual(row.payload.raw.hologram, { depth: 3 })
    assert.equal(row.payload.content.type, 'unknown')
  })

  test('the same wamid twice (and twice in one POST) is stored once and counted once', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const m = textMessage('+14155550113', 'once')
    const payload = messagesPayload(num, [m, m])
    for (let i = 0; i < 3; i++) assert.equal((await postSigned(t(), payload, num.appSecret)).status, 200)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${m.id as string}`), 1)
    const [c] = await rows<{ unread_count: number }>(t(), sql`SELECT unread_count FROM conversations WHERE number_id = ${num.numberId}::uuid`)
    assert.equal(c.unread_count, 1)
  })

  test("the window counts from the message's own timestamp and never moves backwards", async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const now = Math.floor(Date.now() / 1000)
    const recent = textMessage('+14155550114', 'recent', { timestamp: now - 60 })
    const late = textMessage('+14155550114', 'written yesterday, delivered late', { timestamp: now - 26 * 3600 })
    await postSigned(t(), messagesPayload(num, [recent]), num.appSecret)
    await postSigned(t(), messagesPayload(num, [late]), num.appSecret)
    const [c] = await rows<{ last_inbound_at: string; last_message_preview: string; unread_count: number }>(
      t(), sql`SELECT last_inbound_at::text, last_message_preview, unread_count FROM conversations WHERE number_id = ${num.numberId}::uuid`)
    assert.equal(new Date(c.last_inbound_at.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).getTime(), (now - 60) * 1000)
    assert.equal(c.last_message_preview, 'recent')
    assert.equal(c.unread_count, 2)
  })

  test('an opt-out keyword opts the contact out', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    await postSigned(t(), messagesPayload(num, [textMessage('+14155550115', 'Stop talking to me about it')]), num.appSecret)
    let [c] = await rows<{ opted_out: boolean }>(t(), sql`SELECT opted_out FROM contacts WHERE business_id = ${businessId}::uuid`)
    assert.equal(c.opted_out, false)
    await postSigned(t(), messagesPayload(num, [textMessage('+14155550115', '  stop ')]), num.appSecret)
    ;[c] = await rows<{ opted_out: boolean; opt_source: string }>(t(), sql`SELECT opted_out, opt_source FROM contacts WHERE business_id = ${businessId}::uuid`)
    assert.equal(c.opted_out, true)
    assert.equal((c as unknown as { opt_source: string }).opt_source, 'keyword')
  })

  test('2026 usernames: a message with only user_id creates a contact by user id', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const id = wamid('bsuid')
    const m = { from_user_id: 'US.13491208655302741918', id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'hi from a username' } }
    const contacts = [{ profile: { name: 'Pablo', username: 'pablo.m' }, user_id: 'US.13491208655302741918' }]
    const r = await postSigned(t(), messagesPayload(num, [m], contacts), num.appSecret)
    assert.equal(r.status, 200)
    const [c] = await rows<{ phone: string | null; wa_user_id: string; username: string; name: string }>(t(), sql`SELECT * FROM contacts WHERE business_id = ${businessId}::uuid`)
    assert.equal(c.phone, null)
    assert.equal(c.wa_user_id, 'US.13491208655302741918')
    assert.equal(c.username, 'pablo.m')
    assert.equal(c.name, 'Pablo')
    assert.ok(await msgByWamid(t(), id))
  })

  test('a 1,000-message batch in one POST: all stored, none twice', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const now = Math.floor(Date.now() / 1000)
    const messages = Array.from({ length: 1000 }, (_, i) => textMessage(`+1415555${String(2000 + (i % 250)).padStart(4, '0')}`, `message ${i}`, { timestamp: now - 1000 + i }))
    const r = await postSigned(t(), messagesPayload(num, messages), num.appSecret)
    assert.equal(r.status, 200)
    assert.equal(r.body.data.new_messages, 1000)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE number_id = ${num.numberId}::uuid`), 1000)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM contacts WHERE business_id = ${businessId}::uuid`), 250)
    assert.equal(await count(t(), sql`SELECT sum(unread_count) AS n FROM conversations WHERE number_id = ${num.numberId}::uuid`), 1000)
    // The same batch again: nothing new.
    const again = await postSigned(t(), messagesPayload(num, messages), num.appSecret)
    assert.equal(again.body.data.new_messages, 0)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE number_id = ${num.numberId}::uuid`), 1000)
  })
})
