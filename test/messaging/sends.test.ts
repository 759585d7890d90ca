import assert from 'node:assert/strict'
import { test } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { useEmulator } from '../helpers/whatsapp.js'
import {
  bizWithNumber, customerConversation, emulatorOutbox, emulatorStats, rows, setEmulatorClock, sql, waitFor, waitForMessage,
} from './support.js'

forEachDatabase('messaging: sends in the window', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 200 } } })
  const emu = useEmulator()

  test('a text inside the window is queued (201), handed over in order, and follows the webhooks to read', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone } = await customerConversation(t(), emu(), b)
    const res = await t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: 'Hi! How can we help?' } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.message, 'Message queued')
    const m = res.body.data
    assert.equal(m.delivery_status, 'queued')
    assert.equal(m.direction, 'outbound')
    assert.equal(m.message_type, 'text')
    assert.equal(m.text, 'Hi! How can we help?')
    assert.deepEqual(m.author, { type: 'api_key', id: m.author.id })
    assert.equal(m.provider_message_id, null)
    const done = await waitForMessage(t(), b.apiKey, conversationId, m.id, ['read'])
    assert.match(done.provider_message_id, /^wamid\./)
    assert.ok(done.sent_at && done.delivered_at && done.read_at)
    const out = await emulatorOutbox(emu(), { to: phone })
    assert.deepEqual(out.map((e) => (e.body.text as { body: string }).body), ['Hi! How can we help?'])
    const conv = await t().request('GET', `/v1/messaging/conversations/${conversationId}`, { key: b.apiKey })
    assert.equal(conv.body.data.window_open, true)
    assert.equal(conv.body.data.messages[0].id, m.id)
    assert.equal(conv.body.data.messages.length, 2)
  })

  test('outside the window: 422 window_closed saying a template is required and when the window closed', async () => {
    const b = await bizWithNumber(t(), emu())
    await setEmulatorClock(emu(), -25 * 3600)
    let convId: string
    try {
      ;({ conversationId: convId } = await customerConversation(t(), emu(), b))
    } finally {
      await setEmulatorClock(emu(), 0)
    }
    const conv = await t().request('GET', `/v1/messaging/conversations/${convId}`, { key: b.apiKey })
    assert.equal(conv.body.data.window_open, false)
    const closedAt = conv.body.data.window_expires_at as string
    assert.ok(Date.parse(closedAt) < Date.now() - 3600_000 + 5000)
    const res = await t().request('POST', `/v1/messaging/conversations/${convId}/messages`, { key: b.apiKey, body: { text: 'Still there?' } })
    assert.equal(res.status, 422)
    assert.equal(res.body.error.code, 'window_closed')
    assert.equal(
      res.body.message,
      `The 24-hour customer service window closed at ${closedAt} (24 hours after the customer's last message); a template is required: ` +
        'send an approved template with POST /v1/messaging/messages/template, or wait for the customer to write.',
    )
    assert.equal(res.body.error.details.window_closed_at, closedAt)
    const w = await t().request('GET', `/v1/messaging/window?phone=${encodeURIComponent(conv.body.data.customer_phone)}&number_id=${b.num.numberId}`, { key: b.apiKey })
    assert.equal(w.status, 200, JSON.stringify(w.body))
    assert.equal(w.body.data.open, false)
    assert.equal(w.body.data.expires_at, closedAt)
    const unknown = await t().request('GET', '/v1/messaging/window?phone=%2B447911123456', { key: b.apiKey })
    assert.equal(unknown.status, 200, JSON.stringify(unknown.body))
    assert.deepEqual({ open: unknown.body.data.open, expires_at: unknown.body.data.expires_at }, { open: false, expires_at: null })
    const open = await customerConversation(t(), emu(), b)
    const ow = await t().request('GET', `/v1/messaging/window?phone=${encodeURIComponent(open.phone)}`, { key: b.apiKey })
    assert.equal(ow.body.data.open, true)
    assert.ok(Date.parse(ow.body.data.expires_at) > Date.now() + 23 * 3600_000)
  })

  test("a send that slips through after the window closed fails with the emulator's own 131047", async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), b)
    // Our clock says open; WhatsApp's (the emulator's) is 25 hours ahead, so it refuses.
    await setEmulatorClock(emu(), 25 * 3600)
    try {
      const res = await t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: 'late' } })
      assert.equal(res.status, 201)
      const failed = await waitForMessage(t(), b.apiKey, conversationId, res.body.data.id, ['failed'])
      assert.equal(failed.error.code, 'window_closed')
      assert.equal(failed.error.provider_code, 131047)
      assert.match(failed.error.details, /^The 24-hour customer service window is closed; send an approved template instead\./)
      assert.ok((await emulatorStats(emu())).async_failures['131047'] >= 1)
    } finally {
      await setEmulatorClock(emu(), 0)
    }
  })

  test('messages to one customer leave in the order they were accepted', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone } = await customerConversation(t(), emu(), b)
    const ids: string[] = []
    for (let i = 0; i < 15; i++) {
      const r = await t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: `step ${i}` } })
      assert.equal(r.status, 201)
      ids.push(r.body.data.id)
    }
    await waitFor(async () => (await emulatorOutbox(emu(), { to: phone })).length === 15, 10000, 'all 15 sends')
    const out = await emulatorOutbox(emu(), { to: phone })
    assert.deepEqual(out.map((e) => (e.body.text as { body: string }).body), ids.map((_, i) => `step ${i}`))
  })

  test('interactive buttons and lists are checked against Meta’s limits: 400 lists every problem', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), b)
    const url = `/v1/messaging/conversations/${conversationId}/messages`
    const bad = await t().request('POST', url, {
      key: b.apiKey,
      body: {
        interactive: {
          type: 'button',
          body: 'Pick one',
          buttons: [
            { id: 'a', title: 'A title that is far too long' },
            { id: 'a', title: 'B' },
            { id: 'c', title: 'C' },
            { id: 'd', title: 'D' },
          ],
        },
      },
    })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'validation_failed')
    assert.deepEqual(bad.body.error.details.fields, [
      { field: 'interactive.buttons', problem: 'must have 1–3 buttons' },
      { field: 'interactive.buttons[0].title', problem: 'must be 1–20 characters' },
      { field: 'interactive.buttons[1].id', problem: 'must be unique' },
    ])
    assert.match(bad.body.message, /^The message is not valid for WhatsApp: interactive.buttons must have 1–3 buttons; /)
    const list = await t().request('POST', url, {
      key: b.apiKey,
      body: {
        interactive: {
          type: 'list', body: 'Choose a slot', button_text: 'Slots',
          sections: [{ title: 'Morning', rows: [{ id: 'm9', title: '9:00' }, { id: 'm10', title: '10:00', description: 'Quiet hour' }] }],
        },
      },
    })
    assert.equal(list.status, 201)
    const buttons = await t().request('POST', url, {
      key: b.apiKey,
      body: { interactive: { type: 'button', body: 'Confirm?', footer: 'Reply below', buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] } },
    })
    assert.equal(buttons.status, 201)
    assert.equal(buttons.body.data.message_type, 'interactive')
    await waitForMessage(t(), b.apiKey, conversationId, buttons.body.data.id, ['delivered', 'read'])
    await waitForMessage(t(), b.apiKey, conversationId, list.body.data.id, ['delivered', 'read'])
    const empty = await t().request('POST', url, { key: b.apiKey, body: { text: '' } })
    assert.equal(empty.status, 400)
    assert.deepEqual(empty.body.error.details.fields, [{ field: 'text', problem: 'must be 1–4096 characters' }])
    const two = await t().request('POST', url, { key: b.apiKey, body: { text: 'a', image: { link: 'https://example.com/a.png' } } })
    assert.equal(two.status, 400)
    assert.equal(two.body.message, 'Send one kind of content per message; this request has text and image.')
    const long = await t().request('POST', url, { key: b.apiKey, body: { text: 'x'.repeat(4097) } })
    assert.equal(long.status, 400)
  })

  test('media by link, a reply quoting a message, and a reaction reach the emulator with the right wamids', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone, wamid: inboundWamid } = await customerConversation(t(), emu(), b)
    const url = `/v1/messaging/conversations/${conversationId}/messages`
    const [inbound] = await rows<{ id: string }>(t(), sql`SELECT id FROM messages WHERE provider_message_id = ${inboundWamid}`)
    const img = await t().request('POST', url, { key: b.apiKey, body: { image: { link: 'https://example.com/cat.png', caption: 'Our cat' }, reply_to: inbound.id } })
    assert.equal(img.status, 201, JSON.stringify(img.body))
    assert.deepEqual(img.body.data.reply_to, { message_id: inbound.id, provider_message_id: inboundWamid })
    const react = await t().request('POST', url, { key: b.apiKey, body: { reaction: { message_id: inbound.id, emoji: '👍' } } })
    assert.equal(react.status, 201)
    const badMedia = await t().request('POST', url, { key: b.apiKey, body: { audio: { link: 'https://example.com/a.ogg', caption: 'no' } } })
    assert.equal(badMedia.status, 400)
    assert.deepEqual(badMedia.body.error.details.fields, [{ field: 'audio.caption', problem: 'is not allowed on audio' }])
    const notHere = await t().request('POST', url, { key: b.apiKey, body: { text: 'x', reply_to: '0190aaaa-0000-7000-8000-000000000000' } })
    assert.equal(notHere.status, 400)
    assert.deepEqual(notHere.body.error.details.fields, [{ field: 'reply_to', problem: 'is not a message of this conversation' }])
    await waitFor(async () => (await emulatorOutbox(emu(), { to: phone })).length === 2, 5000, 'two sends')
    const out = await emulatorOutbox(emu(), { to: phone })
    assert.equal(out[0].type, 'image')
    assert.deepEqual(out[0].body.context, { message_id: inboundWamid })
    assert.deepEqual(out[0].body.image, { link: 'https://example.com/cat.png', caption: 'Our cat' })
    assert.equal(out[1].type, 'reaction')
    assert.deepEqual(out[1].body.reaction, { message_id: inboundWamid, emoji: '👍' })
  })
})
