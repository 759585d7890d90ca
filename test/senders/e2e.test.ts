import { afterAll, beforeAll, expect, it } from 'vitest'
import { startEmbeddedEmulator, type EmbeddedEmulator } from '../../src/embedded-emulator.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { waitFor } from '../helpers/whatsapp.js'
import { inState, senderBody, waitForSender } from './support.js'

// The server's way: the built-in emulator (deps.emulator) and the process's jobs (the senders job and
// the outbox dispatcher). A sender goes from draft to live, a customer writes to it, and the business
// answers through the messaging API; the emulator receives the answer from the sender's number.

forEachDatabase('senders end to end', (kind) => {
  const t = useTestApp(kind, {
    listen: true,
    jobs: true,
    env: {
      SWITCHBOARD_EMULATOR: 'on',
      EMULATOR_PORT: '0',
      SWITCHBOARD_SENDER_POLL_MS: '10',
      SWITCHBOARD_SENDER_REVIEW_DELAY_MS: '5',
      SWITCHBOARD_SENDER_LAUNCH_DELAY_MS: '5',
    },
  })
  let emulator: EmbeddedEmulator | null = null
  beforeAll(async () => {
    emulator = await startEmbeddedEmulator(t().deps, t().url)
    if (!emulator) throw new Error('the built-in emulator did not start')
    t().deps.emulator = emulator
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it('a launched sender answers a customer through the messaging API', async () => {
    const { apiKey } = await t().seedBusiness()
    const customer = '+14155550100' // also a test number, so it may write in while the sender is in test
    const created = await t().request('POST', '/v1/senders', { key: apiKey, body: senderBody({ display_name: 'Acme Live' }) })
    const id = created.body.data.id
    expect((await t().request('POST', `/v1/senders/${id}/submit`, { key: apiKey })).status).toBe(200)
    const inTest = await waitForSender(t(), apiKey, id, inState('IN_TEST', 'REJECTED'))
    expect(inTest.state).toBe('IN_TEST')
    expect((await t().request('POST', `/v1/senders/${id}/launch`, { key: apiKey })).status).toBe(200)
    const live = await waitForSender(t(), apiKey, id, inState('LAUNCHED', 'FAILED'))
    expect(live.state, JSON.stringify(live.state_reasons)).toBe('LAUNCHED')

    const numbers = (await t().request('GET', '/v1/numbers', { key: apiKey })).body.data as Array<{ id: string; display_phone_number: string }>
    expect(numbers.map((n) => n.id)).toEqual([live.number_id])
    if (!emulator) throw new Error('no emulator')

    // The customer writes to the sender's phone; the built-in emulator posts the webhook to this server.
    const wrote = await fetch(`${emulator.url}/_emulator/customers/${encodeURIComponent(customer)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: live.phone, type: 'text', text: 'Is my order on its way?' }),
    })
    expect(wrote.status).toBe(200)
    const conversationId = await waitFor(async () => {
      const res = await t().request('GET', `/v1/messaging/conversations?number_id=${live.number_id}`, { key: apiKey })
      return res.body.data?.[0]?.id as string | undefined
    }, 5000, 'the inbound conversation')

    const sent = await t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: apiKey, body: { text: 'Yes, it ships today.' } })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    const wamid = await waitFor(async () => {
      const res = await t().request('GET', `/v1/messaging/conversations/${conversationId}`, { key: apiKey })
      const msgs = (res.body.data?.messages ?? []) as Array<{ id: string; provider_message_id: string | null }>
      return msgs.find((m) => m.id === sent.body.data.id)?.provider_message_id
    }, 5000, 'the send to reach the emulator')
    const outbox = (await (await fetch(`${emulator.url}/_emulator/outbox?wamid=${wamid}`)).json()) as { data: Array<{ wa_id: string; body: { text?: { body?: string } } }> }
    expect(outbox.data).toHaveLength(1)
    expect(outbox.data[0]).toMatchObject({ wa_id: '14155550100', body: { text: { body: 'Yes, it ships today.' } } })
  })
})
