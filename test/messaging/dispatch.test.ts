import assert from 'node:assert/strict'
import { test } from 'vitest'
import { authorOf, sendTemplate, sendToConversation } from '../../src/services/sends.js'
import { forEachDatabase, startTestApp, useTestApp } from '../helpers/harness.js'
import { type RunningEmulator, useEmulator } from '../helpers/whatsapp.js'
import {
  approvedTemplate, bizWithNumber, customerConversation, customerPhone, emulatorOutbox, outboxCount, rows, sql, waitFor, waitForMessage,
} from './support.js'

const HELLO = { name: 'hello_update', body: 'Hello {{first_name}}, here is your update.', examples: { first_name: 'Ana' } }

async function emulatorNumberStats(emu: RunningEmulator, phoneNumberId: string) {
  const s = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as {
    rejected_sends: Record<string, number>
    per_number: Record<string, { peak_per_second: number; last_seconds: Array<{ count: number }> }>
  }
  return { rejected: s.rejected_sends, number: s.per_number[phoneNumberId] }
}

forEachDatabase('messaging: idempotency and dispatch', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 200 } } })
  const emu = useEmulator()

  test('Idempotency-Key: a sequential retry returns the first message and sends once', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone } = await customerConversation(t(), emu(), b)
    const send = () =>
      t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: 'exactly once' }, headers: { 'idempotency-key': 'order-42-reply' } })
    const first = await send()
    const again = await send()
    assert.equal(first.status, 201)
    assert.equal(again.status, 201)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.body.data.id, first.body.data.id)
    const tpl = await approvedTemplate(t(), b, HELLO)
    assert.equal(tpl.status, 'APPROVED')
    const body = { phone: customerPhone(), template_key: 'hello_update', variables: { first_name: 'Ana' } }
    const t1 = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body, headers: { 'idempotency-key': 'tpl-1' } })
    const t2 = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body, headers: { 'idempotency-key': 'tpl-1' } })
    assert.equal(t1.body.data.id, t2.body.data.id)
    const reuse = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { ...body, variables: { first_name: 'Bo' } }, headers: { 'idempotency-key': 'tpl-1' } })
    assert.equal(reuse.status, 409)
    assert.equal(reuse.body.error.code, 'idempotency_key_reused')
    await waitForMessage(t(), b.apiKey, conversationId, first.body.data.id, ['delivered', 'read'])
    await waitForMessage(t(), b.apiKey, t1.body.data.conversation_id, t1.body.data.id, ['delivered', 'read'])
    assert.equal((await emulatorOutbox(emu(), { to: phone })).length, 1)
    assert.equal((await emulatorOutbox(emu(), { to: body.phone })).length, 1)
  })

  test('Idempotency-Key: concurrent retries create one message (the others wait or replay)', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone } = await customerConversation(t(), emu(), b)
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: 'once, concurrently' }, headers: { 'idempotency-key': 'race-1' } }),
      ),
    )
    const statuses = results.map((r) => r.status)
    assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join(','))
    assert.ok(statuses.includes(201))
    assert.equal(new Set(results.filter((r) => r.status === 201).map((r) => r.body.data.id)).size, 1)
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'idempotency_key_in_progress')
    const [n] = await rows<{ n: number }>(t(), sql`SELECT count(*)::int8 AS n FROM messages WHERE idempotency_key = 'race-1' AND business_id = ${b.businessId}::uuid`)
    assert.equal(Number(n.n), 1)
    await waitFor(async () => (await outboxCount(t(), b.num.numberId)) === 0, 5000, 'the send')
    assert.equal((await emulatorOutbox(emu(), { to: phone })).length, 1)
  })

  test('two app instances on one database racing with one key never create two messages', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId, phone } = await customerConversation(t(), emu(), b)
    const second = await startTestApp(kind, { sameDatabaseAs: t() })
    try {
      // Straight at the service on both instances: the HTTP claim is not in the way, so only the
      // message table's unique (business_id, idempotency_key) stands between the racers.
      const principal = { businessId: b.businessId, kind: 'api_key' as const, id: 'k', name: 'k', scopes: new Set(['admin']), role: null }
      const cmd = { businessId: b.businessId, conversationId, content: { kind: 'text' as const, text: 'one of two racers' }, idempotencyKey: 'two-procs', author: authorOf(principal) }
      const got = await Promise.all([
        ...Array.from({ length: 4 }, () => sendToConversation(t().deps, cmd)),
        ...Array.from({ length: 4 }, () => sendToConversation(second.deps, cmd)),
      ])
      assert.equal(new Set(got.map((m) => m.id)).size, 1)
      const tcmd = { businessId: b.businessId, phone: customerPhone(), templateKey: 'hello_update', variables: { first_name: 'A' }, idempotencyKey: 'two-procs-tpl', author: authorOf(principal) }
      await approvedTemplate(t(), b, HELLO)
      const tg = await Promise.all([sendTemplate(t().deps, tcmd), sendTemplate(second.deps, tcmd), sendTemplate(second.deps, tcmd), sendTemplate(t().deps, tcmd)])
      assert.equal(new Set(tg.map((m) => m.id)).size, 1)
      // And over HTTP, one request to each instance.
      const http = await Promise.all([t(), second].map((app) =>
        app.request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: 'http racers' }, headers: { 'idempotency-key': 'two-procs-http' } })))
      assert.ok(http.some((r) => r.status === 201))
      const [n] = await rows<{ n: number }>(t(), sql`SELECT count(*)::int8 AS n FROM messages WHERE business_id = ${b.businessId}::uuid AND idempotency_key LIKE 'two-procs%'`)
      assert.equal(Number(n.n), 3)
      await waitFor(async () => (await outboxCount(t(), b.num.numberId)) === 0, 5000, 'the sends')
      const texts = (await emulatorOutbox(emu(), { to: phone })).map((e) => (e.body.text as { body: string }).body)
      assert.deepEqual(texts.sort(), ['http racers', 'one of two racers'])
    } finally {
      await second.close()
    }
  })

  test("the rate cap: paced under the number's throughput_mps, the emulator refuses none (no 130429)", async () => {
    const b = await bizWithNumber(t(), emu(), { throughputMps: 20 })
    // The emulator would allow 25/s for this number: staying under 20 must never trip it.
    await fetch(`${emu().url}/_emulator/numbers/${b.num.phoneNumberId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ throughput_mps: 25 }) })
    await approvedTemplate(t(), b, HELLO)
    const before = (await emulatorNumberStats(emu(), b.num.phoneNumberId)).rejected['130429'] ?? 0
    const started = Date.now()
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone: customerPhone(), template_key: 'hello_update', variables: { first_name: `C${i}` } } })),
    )
    assert.ok(sent.every((r) => r.status === 201))
    await waitFor(async () => (await outboxCount(t(), b.num.numberId)) === 0, 15000, 'the queue to drain')
    const elapsed = Date.now() - started
    const s = await emulatorNumberStats(emu(), b.num.phoneNumberId)
    assert.equal((s.rejected['130429'] ?? 0) - before, 0)
    // Sends leave paced; on a loaded machine a couple may reach the emulator in the same second as the
    // next ones (arrival jitter), which its 25/s cap absorbs: the no-130429 check above is the contract.
    assert.ok(s.number.peak_per_second <= 23, `peak ${s.number.peak_per_second}/s`)
    // 60 messages at ≤ 20/s take about 3 s: the pacing held (it did not just get lucky).
    assert.ok(elapsed >= 2500, `${elapsed} ms`)
  })

  test('when the provider is slower than throughput_mps says, 130429s are retried with backoff and every message goes', async () => {
    const b = await bizWithNumber(t(), emu(), { throughputMps: 40 })
    await fetch(`${emu().url}/_emulator/numbers/${b.num.phoneNumberId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ throughput_mps: 8 }) })
    await approvedTemplate(t(), b, HELLO)
    const before = (await emulatorNumberStats(emu(), b.num.phoneNumberId)).rejected['130429'] ?? 0
    const quickBefore = t().dispatcher?.counters.quickRetried ?? 0
    const sent = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone: customerPhone(), template_key: 'hello_update', variables: { first_name: `R${i}` } } })),
    )
    await waitFor(async () => (await outboxCount(t(), b.num.numberId)) === 0, 25000, 'all retries to succeed')
    const s = await emulatorNumberStats(emu(), b.num.phoneNumberId)
    assert.ok((s.rejected['130429'] ?? 0) - before > 0, 'the emulator refused some sends')
    // The first refusals are tried again by the lane that holds the message, a few tens of ms later.
    assert.ok((t().dispatcher?.counters.quickRetried ?? 0) > quickBefore, 'refused sends were retried in the lane')
    const ids = sent.map((r) => r.body.data.id as string)
    const stored = await rows<{ id: string; provider_message_id: string | null; delivery_status: string }>(
      t(), sql`SELECT id, provider_message_id, delivery_status FROM messages WHERE id IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`)
    assert.equal(stored.length, 16)
    assert.ok(stored.every((m) => m.provider_message_id && m.delivery_status !== 'failed'))
  }, 40_000)

  test('5xx answers are retried; a 190 fails the message with the provider code and disconnects the number', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), b)
    const url = `/v1/messaging/conversations/${conversationId}/messages`
    await fetch(`${emu().url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 2, http_status: 503, code: 131016 }) })
    const r = await t().request('POST', url, { key: b.apiKey, body: { text: 'after two failures' } })
    await waitForMessage(t(), b.apiKey, conversationId, r.body.data.id, ['sent', 'delivered', 'read'], 10000)

    await fetch(`${emu().url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1, http_status: 401, code: 190 }) })
    const bad = await t().request('POST', url, { key: b.apiKey, body: { text: 'token trouble' } })
    const failed = await waitForMessage(t(), b.apiKey, conversationId, bad.body.data.id, ['failed'])
    assert.equal(failed.error.code, 'invalid_token')
    assert.equal(failed.error.provider_code, 190)
    assert.match(failed.error.details, /access token is invalid or expired; reconnect the number/)
    const num = await t().request('GET', `/v1/numbers/${b.num.numberId}`, { key: b.apiKey })
    assert.equal(num.body.data.status, 'disconnected')
    const refused = await t().request('POST', url, { key: b.apiKey, body: { text: 'while disconnected' } })
    // The conversation is on a disconnected number: accepted sends wait; the number says why.
    assert.ok(refused.status === 201 || refused.status === 422)
  })
})
