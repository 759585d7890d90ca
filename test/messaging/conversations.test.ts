import assert from 'node:assert/strict'
import { test } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { useEmulator } from '../helpers/whatsapp.js'
import { bizWithNumber, customerConversation, customerPhone, rows, setEmulatorClock, sql, waitFor } from './support.js'

forEachDatabase('messaging: conversations', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 200 } } })
  const emu = useEmulator()

  async function memberSession(apiKey: string, role = 'agent') {
    const email = `m${Math.random().toString(36).slice(2, 10)}@example.com`
    const m = await t().request('POST', '/v1/team/members', { key: apiKey, body: { name: `Agent ${role}`, email, role, password: 'correct horse battery' } })
    assert.equal(m.status, 201, JSON.stringify(m.body))
    const login = await t().request('POST', '/v1/auth/login', { body: { email, password: 'correct horse battery' } })
    assert.equal(login.status, 200)
    return { id: m.body.data.id as string, token: login.body.data.token as string }
  }

  test('list: most recently active first, filters, search, page tokens, window fields', async () => {
    const b = await bizWithNumber(t(), emu())
    const names = ['Ana', 'Bruno', 'Carla']
    const convs: Array<{ conversationId: string; phone: string }> = []
    for (const n of names) {
      const phone = customerPhone()
      await fetch(`${emu().url}/_emulator/customers/${encodeURIComponent(phone)}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: b.num.displayPhone, type: 'text', text: `hi from ${n}`, profile_name: n }),
      })
      convs.push(await customerConversation(t(), emu(), b, phone, `again from ${n}`))
    }
    const all = await t().request('GET', '/v1/messaging/conversations', { key: b.apiKey })
    assert.equal(all.status, 200)
    assert.equal(all.body.message, 'Conversations retrieved')
    assert.deepEqual(all.body.data.map((c: { id: string }) => c.id), convs.map((c) => c.conversationId).reverse())
    const first = all.body.data[0]
    assert.equal(first.window_open, true)
    assert.equal(Date.parse(first.window_expires_at), Date.parse(first.last_inbound_at) + 24 * 3600_000)
    assert.equal(first.unread_count, 2)
    assert.equal(first.number_id, b.num.numberId)
    for (const k of ['business_id', 'contact_id', 'customer_phone', 'customer_name', 'status', 'mode', 'assignee_id', 'team_id', 'folder', 'last_message_at', 'last_outbound_at']) {
      assert.ok(k in first, k)
    }
    const p1 = await t().request('GET', '/v1/messaging/conversations?page_size=2', { key: b.apiKey })
    assert.equal(p1.body.data.length, 2)
    const p2 = await t().request('GET', `/v1/messaging/conversations?page_size=2&page_token=${p1.body.next_page_token}`, { key: b.apiKey })
    assert.deepEqual(p2.body.data.map((c: { id: string }) => c.id), [convs[0].conversationId])
    assert.equal(p2.body.next_page_token, undefined)
    const bad = await t().request('GET', '/v1/messaging/conversations?page_token=nope', { key: b.apiKey })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'invalid_page_token')

    const byPhone = await t().request('GET', `/v1/messaging/conversations?search=${convs[1].phone.slice(-6)}`, { key: b.apiKey })
    assert.deepEqual(byPhone.body.data.map((c: { id: string }) => c.id), [convs[1].conversationId])
    const customerName = (await t().request('GET', `/v1/messaging/conversations/${convs[2].conversationId}`, { key: b.apiKey })).body.data.customer_name
    if (customerName) {
      const byName = await t().request('GET', `/v1/messaging/conversations?search=${encodeURIComponent(customerName.slice(0, 3).toLowerCase())}`, { key: b.apiKey })
      assert.ok(byName.body.data.some((c: { id: string }) => c.id === convs[2].conversationId))
    }

    const m = await memberSession(b.apiKey)
    const patch = await t().request('PATCH', `/v1/messaging/conversations/${convs[0].conversationId}`, {
      key: b.apiKey,
      body: { status: 'pending', mode: 'ai', assignee_id: m.id, folder: 'vip' },
    })
    assert.equal(patch.status, 200, JSON.stringify(patch.body))
    assert.deepEqual([patch.body.data.status, patch.body.data.mode, patch.body.data.assignee_id, patch.body.data.folder], ['pending', 'ai', m.id, 'vip'])
    const q = async (qs: string, key = b.apiKey, headers: Record<string, string> = {}) =>
      (await t().request('GET', `/v1/messaging/conversations?${qs}`, { key, headers })).body.data.map((c: { id: string }) => c.id)
    assert.deepEqual(await q('status=pending'), [convs[0].conversationId])
    assert.deepEqual(await q('mode=ai'), [convs[0].conversationId])
    assert.deepEqual(await q('folder=vip'), [convs[0].conversationId])
    assert.deepEqual(await q(`assigned=${m.id}`), [convs[0].conversationId])
    assert.deepEqual(await q('assigned=unassigned'), [convs[2].conversationId, convs[1].conversationId])
    assert.deepEqual(await q('assigned=me', m.token), [convs[0].conversationId])
    const me = await t().request('GET', '/v1/messaging/conversations?assigned=me', { key: b.apiKey })
    assert.equal(me.status, 400)
    assert.equal(me.body.message, 'assigned=me needs a member session (it means "assigned to the signed-in member"); with an API key, pass the member id instead.')

    // Tags live on the contact.
    const tag = await t().request('POST', `/v1/contacts/${patch.body.data.contact_id}/tags`, { key: b.apiKey, body: { tags: ['VIP'] } })
    if (tag.status < 300) {
      assert.deepEqual(await q('tag=vip'), [convs[0].conversationId])
      assert.deepEqual(await q('tag=nobody'), [])
    }
    const badStatus = await t().request('GET', '/v1/messaging/conversations?status=closed', { key: b.apiKey })
    assert.equal(badStatus.status, 400)
  })

  test('get with newest messages, history with page tokens, mark read, PATCH checks the assignee', async () => {
    const b = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), b)
    for (let i = 0; i < 4; i++) {
      assert.equal((await t().request('POST', `/v1/messaging/conversations/${conversationId}/messages`, { key: b.apiKey, body: { text: `m${i}` } })).status, 201)
    }
    const got = await t().request('GET', `/v1/messaging/conversations/${conversationId}?messages_limit=3`, { key: b.apiKey })
    assert.equal(got.status, 200)
    assert.deepEqual(got.body.data.messages.map((m: { text: string }) => m.text), ['m3', 'm2', 'm1'])
    const h1 = await t().request('GET', `/v1/messaging/conversations/${conversationId}/messages?page_size=3`, { key: b.apiKey })
    const h2 = await t().request('GET', `/v1/messaging/conversations/${conversationId}/messages?page_size=3&page_token=${h1.body.next_page_token}`, { key: b.apiKey })
    assert.deepEqual([...h1.body.data, ...h2.body.data].map((m: { text: string }) => m.text), ['m3', 'm2', 'm1', 'm0', 'Hello'])
    assert.equal(h2.body.data[1].direction, 'inbound')
    assert.equal(h2.body.data[1].author.type, 'customer')

    const read = await t().request('POST', `/v1/messaging/conversations/${conversationId}/read`, { key: b.apiKey })
    assert.equal(read.status, 200)
    assert.equal(read.body.data.unread_count, 0)
    assert.equal((await t().request('GET', `/v1/messaging/conversations/${conversationId}`, { key: b.apiKey })).body.data.unread_count, 0)

    const other = await t().seedBusiness('Other')
    const foreignMember = await t().request('POST', '/v1/team/members', { key: other.apiKey, body: { name: 'X', email: `x${Date.now()}@example.com`, role: 'agent', password: 'correct horse battery' } })
    const bad = await t().request('PATCH', `/v1/messaging/conversations/${conversationId}`, { key: b.apiKey, body: { assignee_id: foreignMember.body.data.id, team_id: foreignMember.body.data.id } })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'invalid_assignee')
    assert.deepEqual(bad.body.error.details.fields.map((f: { field: string }) => f.field), ['assignee_id', 'team_id'])
    const unassign = await t().request('PATCH', `/v1/messaging/conversations/${conversationId}`, { key: b.apiKey, body: { assignee_id: null, status: 'resolved' } })
    assert.equal(unassign.status, 200)
    assert.equal(unassign.body.data.status, 'resolved')
    const empty = await t().request('PATCH', `/v1/messaging/conversations/${conversationId}`, { key: b.apiKey, body: {} })
    assert.equal(empty.status, 400)
  })

  test("tenant isolation: another business's conversation, message and template ids are 404 everywhere", async () => {
    const a = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), a)
    const [msg] = await rows<{ id: string }>(t(), sql`SELECT id FROM messages WHERE conversation_id = ${conversationId}::uuid`)
    const b = await bizWithNumber(t(), emu())
    const c = `/v1/messaging/conversations/${conversationId}`
    const calls: Array<[string, string, unknown?]> = [
      ['GET', c],
      ['GET', `${c}/messages`],
      ['PATCH', c, { status: 'resolved' }],
      ['POST', `${c}/read`],
      ['POST', `${c}/messages`, { text: 'hi' }],
    ]
    for (const [method, url, body] of calls) {
      const r = await t().request(method, url, { key: b.apiKey, body })
      assert.equal(r.status, 404, `${method} ${url}`)
      assert.equal(r.body.error.code, 'not_found')
    }
    const list = await t().request('GET', '/v1/messaging/conversations', { key: b.apiKey })
    assert.deepEqual(list.body.data, [])
    const own = await customerConversation(t(), emu(), b)
    const react = await t().request('POST', `/v1/messaging/conversations/${own.conversationId}/messages`, { key: b.apiKey, body: { reaction: { message_id: msg.id, emoji: '👍' } } })
    assert.equal(react.status, 400)
    const crossNumber = await t().request('GET', `/v1/messaging/conversations?number_id=${a.num.numberId}`, { key: b.apiKey })
    assert.deepEqual(crossNumber.body.data, [])
    const w = await t().request('GET', `/v1/messaging/window?phone=%2B447911123456&number_id=${a.num.numberId}`, { key: b.apiKey })
    assert.equal(w.status, 404)
    const tpl = await t().request('POST', '/v1/templates', { key: a.apiKey, body: { name: 'iso_check', language: 'en_US', category: 'UTILITY', body: 'Hello there.' } })
    for (const [method, url] of [['GET', `/v1/templates/${tpl.body.data.id}`], ['DELETE', `/v1/templates/${tpl.body.data.id}`]]) {
      assert.equal((await t().request(method, url, { key: b.apiKey })).status, 404)
    }
    assert.deepEqual((await t().request('GET', '/v1/templates', { key: b.apiKey })).body.data, [])
    assert.equal((await t().request('GET', `/v1/templates/${tpl.body.data.id}`, { key: a.apiKey })).status, 200)
  })

  test('scopes: each route names the scope it needs (403), and 401 without a key', async () => {
    const a = await bizWithNumber(t(), emu())
    const { conversationId } = await customerConversation(t(), emu(), a)
    const c = `/v1/messaging/conversations/${conversationId}`
    const routes: Array<[string, string, string, unknown?]> = [
      ['GET', '/v1/messaging/conversations', 'messaging:conversations:read'],
      ['GET', c, 'messaging:messages:read'],
      ['GET', `${c}/messages`, 'messaging:messages:read'],
      ['PATCH', c, 'messaging:messages:send', { status: 'open' }],
      ['POST', `${c}/read`, 'messaging:messages:read'],
      ['POST', `${c}/messages`, 'messaging:messages:send', { text: 'x' }],
      ['POST', '/v1/messaging/messages/template', 'messaging:messages:send', { phone: '+447911123456', template_key: 'x' }],
      ['GET', '/v1/messaging/window?phone=%2B447911123456', 'messaging:conversations:read'],
      ['POST', '/v1/templates', 'templates:write', { name: 'x', language: 'en_US', category: 'UTILITY', body: 'Hello.' }],
      ['GET', '/v1/templates', 'templates:read'],
      ['GET', '/v1/templates/0190aaaa-0000-7000-8000-000000000000', 'templates:read'],
      ['DELETE', '/v1/templates/0190aaaa-0000-7000-8000-000000000000', 'templates:write'],
      ['POST', '/v1/templates/sync', 'templates:write', {}],
    ]
    const wrong = await t().keyWith(a.businessId, ['contacts:read'])
    for (const [method, url, scope, body] of routes) {
      const r = await t().request(method, url, { key: wrong, body })
      assert.equal(r.status, 403, `${method} ${url}`)
      assert.deepEqual(r.body.error, { code: 'forbidden', details: { required_scope: scope } })
      const ok = await t().request(method, url, { key: await t().keyWith(a.businessId, [scope]), body })
      assert.notEqual(ok.status, 403, `${method} ${url} with ${scope}`)
      assert.notEqual(ok.status, 401)
      const none = await t().request(method, url, { body })
      assert.equal(none.status, 401)
    }
  })

  test('an inbound message bumps the conversation to the top', async () => {
    const b = await bizWithNumber(t(), emu())
    const one = await customerConversation(t(), emu(), b)
    const two = await customerConversation(t(), emu(), b)
    const ids = async () => (await t().request('GET', '/v1/messaging/conversations', { key: b.apiKey })).body.data.map((c: { id: string }) => c.id)
    assert.deepEqual(await ids(), [two.conversationId, one.conversationId])
    // WhatsApp stamps messages in whole seconds: write "later" by moving the emulator's clock.
    await setEmulatorClock(emu(), 5)
    try {
      await fetch(`${emu().url}/_emulator/customers/${encodeURIComponent(one.phone)}/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: b.num.displayPhone, text: 'me again' }),
      })
    } finally {
      await setEmulatorClock(emu(), 0)
    }
    await waitFor(async () => (await ids())[0] === one.conversationId, 5000, 'the bump')
  })
})
