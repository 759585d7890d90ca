import { afterAll, beforeAll, expect, it } from 'vitest'
import { verifySignature } from '../../src/domain/webhook-signature.js'
import { startWebhookDeliverer, type Deliverer } from '../../src/jobs/webhook-deliverer.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { startEmulatorFor, type RunningEmulator } from '../helpers/whatsapp.js'
import { approvedTemplate, bizWithNumber, customerConversation, waitFor } from '../messaging/support.js'

// The events integrations listen to, from the changes that cause them, end to end: the emulator plays
// WhatsApp, our deliverer posts to a local receiver.
forEachDatabase('webhook events from real changes', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 100 } }, env: { SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1' } })
  let emu: RunningEmulator
  let receiver: Receiver
  let deliverer: Deliverer
  beforeAll(async () => {
    emu = await startEmulatorFor()
    receiver = await startReceiver()
    deliverer = await startWebhookDeliverer(t().deps)
  })
  afterAll(async () => {
    await deliverer?.stop()
    await receiver?.close()
    await emu?.close()
  })

  const got = () => receiver.received.map((r) => JSON.parse(r.body) as { type: string; business_id: string; data: Record<string, any> })

  it('message.received, conversation.created/updated, message.status, contact.created, template.status', async () => {
    const b = await bizWithNumber(t(), emu)
    const sub = await t().request('POST', '/v1/webhooks', { key: b.apiKey, body: { url: receiver.url, events: ['*'] } })
    const secret = sub.body.data.secret as string
    const conv = await customerConversation(t(), emu, b, undefined, 'Where is my parcel?')

    const received = await waitFor(async () => got().find((e) => e.type === 'message.received' && e.data.provider_message_id === conv.wamid) ?? null, 10_000, 'message.received')
    expect(received.data).toMatchObject({ conversation_id: conv.conversationId, from: conv.phone, type: 'text', text: 'Where is my parcel?' })
    expect(received.business_id).toBe(b.businessId)
    expect(got().some((e) => e.type === 'conversation.created' && e.data.conversation_id === conv.conversationId)).toBe(true)
    // The customer's first message made the contact too.
    const newcomer = await waitFor(async () => got().find((e) => e.type === 'contact.created' && e.data.phone === conv.phone) ?? null, 10_000, 'contact.created for the customer')
    expect(newcomer.data).toMatchObject({ phone: conv.phone, tags: [], opted_out: false })
    const raw = receiver.received.find((r) => JSON.parse(r.body).type === 'message.received')
    expect(verifySignature(raw?.headers['switchboard-signature'] as string, raw?.body as string, secret).ok).toBe(true)

    const reply = await t().request('POST', `/v1/messaging/conversations/${conv.conversationId}/messages`, { key: b.apiKey, body: { text: 'On its way!' } })
    expect(reply.status).toBe(201)
    const statuses = await waitFor(async () => {
      const s = got().filter((e) => e.type === 'message.status' && e.data.message_id === reply.body.data.id).map((e) => e.data.status)
      return s.includes('delivered') || s.includes('read') ? s : null
    }, 10_000, 'message.status events')
    // Statuses that arrive together are folded into one change, so "sent" may be skipped; never backwards.
    expect(statuses.every((x: string) => ['sent', 'delivered', 'read'].includes(x))).toBe(true)

    await t().request('PATCH', `/v1/messaging/conversations/${conv.conversationId}`, { key: b.apiKey, body: { status: 'resolved' } })
    const updated = await waitFor(async () => got().find((e) => e.type === 'conversation.updated' && e.data.conversation_id === conv.conversationId) ?? null, 10_000, 'conversation.updated')
    expect(updated.data.changes).toEqual({ status: 'resolved' })

    const contact = await t().request('POST', '/v1/contacts', { key: b.apiKey, body: { phone: '+14155550199', first_name: 'Eve' } })
    const created = await waitFor(async () => got().find((e) => e.type === 'contact.created' && e.data.id === contact.body.data.id) ?? null, 10_000, 'contact.created')
    expect(created.data).toMatchObject({ phone: '+14155550199', first_name: 'Eve' })
    // The same shape as the API's: an integration parses one contact, wherever it comes from.
    expect(created.data).toEqual(contact.body.data)
    await t().request('PATCH', `/v1/contacts/${contact.body.data.id}`, { key: b.apiKey, body: { last_name: 'Adams' } })
    await waitFor(async () => got().find((e) => e.type === 'contact.updated' && e.data.last_name === 'Adams') ?? null, 10_000, 'contact.updated')

    await approvedTemplate(t(), b, { name: 'events_note', body: 'Your code is {{code}}.', examples: { code: '1234' } })
    const tpl = await waitFor(async () => got().find((e) => e.type === 'template.status' && e.data.name === 'events_note') ?? null, 10_000, 'template.status')
    expect(tpl.data).toMatchObject({ status: 'APPROVED', language: 'en_US' })

    // A template to a phone nobody has written from creates the contact, and says so.
    const first = await t().request('POST', '/v1/messaging/messages/template', {
      key: b.apiKey, body: { phone: '+14155550196', template_key: 'events_note', customer_name: 'Dana', variables: { code: '42' } },
    })
    expect(first.status).toBe(201)
    const made = await waitFor(async () => got().find((e) => e.type === 'contact.created' && e.data.phone === '+14155550196') ?? null, 10_000, 'contact.created for the new phone')
    expect(made.data).toMatchObject({ name: 'Dana', tags: [] })
    const again = await t().request('POST', '/v1/messaging/messages/template', {
      key: b.apiKey, body: { phone: '+14155550196', template_key: 'events_note', variables: { code: '43' } },
    })
    expect(again.status).toBe(201)
    await waitFor(async () => got().filter((e) => e.type === 'message.status' && e.data.message_id === again.body.data.id).length > 0 || null, 10_000, 'the second send')
    expect(got().filter((e) => e.type === 'contact.created' && e.data.phone === '+14155550196')).toHaveLength(1)

    // A burst of sends to new phones (group-committed together): one contact.created per phone.
    const burst = ['+14155550181', '+14155550182', '+14155550183', '+14155550184']
    const sends = await Promise.all(burst.flatMap((phone) => [1, 2, 3].map((n) =>
      t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone, template_key: 'events_note', variables: { code: String(n) } } }))))
    expect(sends.map((r) => r.status)).toEqual(sends.map(() => 201))
    for (const phone of burst) await waitFor(async () => got().find((e) => e.type === 'contact.created' && e.data.phone === phone) ?? null, 10_000, `contact.created for ${phone}`)
    const lastIds = new Set(sends.map((r) => r.body.data.id))
    await waitFor(async () => got().filter((e) => e.type === 'message.status' && lastIds.has(e.data.message_id)).length >= lastIds.size || null, 10_000, 'the burst sent')
    for (const phone of burst) expect(got().filter((e) => e.type === 'contact.created' && e.data.phone === phone)).toHaveLength(1)
  })

  it('events only for what an endpoint subscribes to, and nothing for other businesses', async () => {
    const a = await bizWithNumber(t(), emu)
    const other = await bizWithNumber(t(), emu)
    await t().request('POST', '/v1/webhooks', { key: a.apiKey, body: { url: `${receiver.url}/only-contacts`, events: ['contact.created'] } })
    const before = receiver.received.length
    await customerConversation(t(), emu, a)
    await t().request('POST', '/v1/contacts', { key: other.apiKey, body: { phone: '+14155550198' } })
    await t().request('POST', '/v1/contacts', { key: a.apiKey, body: { phone: '+14155550197' } })
    await waitFor(async () => got().some((e) => e.type === 'contact.created' && e.data.phone === '+14155550197') || null, 10_000, 'the contact event')
    const mine = receiver.received.slice(before).map((r) => JSON.parse(r.body) as { type: string; business_id: string; data: { phone?: string } })
    expect(mine.filter((e) => e.business_id === a.businessId).every((e) => e.type === 'contact.created')).toBe(true)
    expect(mine.some((e) => e.data.phone === '+14155550198' && e.business_id === a.businessId)).toBe(false)
  })
})
