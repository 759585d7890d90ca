import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { test } from 'vitest'
import { ProviderError } from '../../src/domain/errors.js'
import { applyPendingStatuses } from '../../src/services/inbound.js'
import { credentialsFor, getNumber, noteProviderError } from '../../src/services/numbers.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, customerWrites, waitFor, useEmulator } from '../helpers/whatsapp.js'
import { count, outboundFixture, postSigned, rows, sql, status, statusesPayload, wamid } from './support.js'

interface Msg {
  delivery_status: string
  sent_at: unknown
  delivered_at: unknown
  read_at: unknown
  failed_at: unknown
  error: Record<string, unknown> | null
}
const msg = async (t: ReturnType<ReturnType<typeof useTestApp>>, id: string) => (await rows<Msg>(t, sql`SELECT * FROM messages WHERE id = ${id}::uuid`))[0]

forEachDatabase('statuses and retries', (kind) => {
  const t = useTestApp(kind, { listen: true })
  const emu = useEmulator()

  test('out of order: read then a late delivered stays read (delivered time still kept)', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const w = wamid('ooo')
    const id = await outboundFixture(t(), num, '+14155550131', w)
    const now = Math.floor(Date.now() / 1000)
    await postSigned(t(), statusesPayload(num, [status(w, 'read', '+14155550131', now)]), num.appSecret)
    assert.equal((await msg(t(), id)).delivery_status, 'read')
    await postSigned(t(), statusesPayload(num, [status(w, 'delivered', '+14155550131', now - 5), status(w, 'sent', '+14155550131', now - 9)]), num.appSecret)
    const m = await msg(t(), id)
    assert.equal(m.delivery_status, 'read')
    assert.ok(m.delivered_at && m.sent_at && m.read_at)
    // Repeated: stored once per status.
    await postSigned(t(), statusesPayload(num, [status(w, 'read', '+14155550131', now)]), num.appSecret)
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM message_statuses WHERE provider_message_id = ${w}`), 3)
  })

  test("failed keeps Meta's code, title and details, classified; nothing moves it afterwards", async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const w = wamid('fail')
    const id = await outboundFixture(t(), num, '+14155550132', w, 'sent')
    const now = Math.floor(Date.now() / 1000)
    const errors = [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }]
    await postSigned(t(), statusesPayload(num, [status(w, 'failed', '+14155550132', now, { errors })]), num.appSecret)
    const m = await msg(t(), id)
    assert.equal(m.delivery_status, 'failed')
    assert.ok(m.failed_at)
    assert.equal(m.error?.code, 'window_closed')
    assert.equal(m.error?.provider_code, 131047)
    assert.equal(m.error?.provider_title, 'Re-engagement message')
    assert.match(String(m.error?.provider_details), /24 hours/)
    await postSigned(t(), statusesPayload(num, [status(w, 'delivered', '+14155550132', now + 1)]), num.appSecret)
    assert.equal((await msg(t(), id)).delivery_status, 'failed')
  })

  test('a status before its message is kept, then applied when the wamid is recorded', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId)
    // The customer writes first, so the emulator's 24-hour window is open for free-form text.
    const hello = await customerWrites(emu(), num, '+14155550133', { type: 'text', text: 'hello' })
    await waitFor(async () => count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${hello.wamid}`), 5000, 'inbound')
    // A real send through the Cloud adapter: the emulator answers a wamid and then posts sent,
    // delivered and read before we record anything (the dispatcher's race, made certain).
    const { wamid: w } = await t().deps.providers.for(num.row).send(credentialsFor(t().deps, num.row), { kind: 'text', to: '+14155550133', text: 'hi' })
    await waitFor(async () => (await count(t(), sql`SELECT count(*) AS n FROM message_statuses WHERE provider_message_id = ${w}`)) === 3, 5000, 'statuses')
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM message_statuses WHERE provider_message_id = ${w} AND applied = 0`), 3)
    const id = await outboundFixture(t(), num, '+14155550133', w)
    assert.equal((await msg(t(), id)).delivery_status, 'queued')
    assert.equal(await applyPendingStatuses(t().deps.store, num.numberId, w), 3)
    assert.equal((await msg(t(), id)).delivery_status, 'read')
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM message_statuses WHERE provider_message_id = ${w} AND applied = 0`), 0)
    assert.equal(await applyPendingStatuses(t().deps.store, num.numberId, w), 0)
  })

  test("the emulator's retries after a lost acknowledgement produce duplicates that are stored once", async () => {
    const { businessId } = await t().seedBusiness()
    // A proxy that lets the webhook through to Switchboard (so it is stored) but answers 500 to the
    // emulator the first two times: the emulator retries the very same bytes, as Meta does.
    let seen = 0
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      seen++
      const r = await fetch(`${t().url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': String(req.headers['x-hub-signature-256']) }, body: Buffer.concat(chunks) })
      await r.arrayBuffer()
      res.statusCode = seen <= 2 ? 500 : r.status
      res.end()
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const port = (proxy.address() as { port: number }).port
    try {
      const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: `http://127.0.0.1:${port}/webhooks/whatsapp` })
      const sent = await customerWrites(emu(), num, '+14155550134', { type: 'text', text: 'are you there?' })
      await waitFor(async () => seen >= 3, 5000, 'three deliveries')
      assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${sent.wamid}`), 1)
      const [c] = await rows<{ unread_count: number }>(t(), sql`SELECT unread_count FROM conversations WHERE number_id = ${num.numberId}::uuid`)
      assert.equal(c.unread_count, 1)
    } finally {
      await new Promise((r) => proxy.close(r))
    }
  })

  test('a webhook signed with another secret is refused on every retry and never stored', async () => {
    const { businessId } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { emulatorAppSecret: 'an-old-secret' })
    const sent = await customerWrites(emu(), num, '+14155550135', { type: 'text', text: 'hello' })
    // Five attempts, 50 ms base delay doubling: all done within a second.
    await new Promise((r) => setTimeout(r, 1200))
    assert.equal(await count(t(), sql`SELECT count(*) AS n FROM messages WHERE provider_message_id = ${sent.wamid}`), 0)
  })

  test('Meta error 190 marks the number disconnected, and GET /v1/numbers/:id says so', async () => {
    const { businessId, apiKey } = await t().seedBusiness()
    const num = await connectEmulatorNumber(t(), emu(), businessId, { webhookUrl: null })
    const creds = { ...credentialsFor(t().deps, num.row), accessToken: 'EAAG-revoked' }
    const err = await t().deps.providers.for(num.row).send(creds, { kind: 'text', to: '+14155550136', text: 'hi' }).then(() => null, (e: unknown) => e)
    assert.ok(err instanceof ProviderError)
    assert.equal(err.providerCode, 190)
    assert.equal(await noteProviderError(t().deps, num.numberId, err), true)
    const g = await t().request('GET', `/v1/numbers/${num.numberId}`, { key: apiKey })
    assert.equal(g.body.data.status, 'disconnected')
    assert.match(g.body.data.status_reason, /access token is invalid or expired/)
    assert.equal((await getNumber(t().deps, businessId, num.numberId)).status, 'disconnected')
  })
})
