import assert from 'node:assert/strict'
import { test } from 'vitest'
import { setOptOut } from '../../src/services/contacts.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, useEmulator } from '../helpers/whatsapp.js'
import { approvedTemplate, bizWithNumber, customerPhone, emulatorOutbox, waitFor, waitForMessage } from './support.js'

const ORDER = {
  name: 'order_update',
  body: 'Hi {{first_name}}, your order {{order_id}} is on its way.',
  examples: { first_name: 'Ana', order_id: 'A-1001' },
  footer: 'Acme Shop',
}

forEachDatabase('messaging: templates', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 200 } } })
  const emu = useEmulator()

  test('create → PENDING at once → APPROVED from the provider webhook; list filters, get, delete', async () => {
    const b = await bizWithNumber(t(), emu())
    const res = await t().request('POST', '/v1/templates', { key: b.apiKey, body: { ...ORDER, language: 'en_US', category: 'UTILITY' } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.data.status, 'PENDING')
    assert.deepEqual(res.body.data.variables, ['first_name', 'order_id'])
    assert.match(res.body.data.provider_template_id, /^\d+$/)
    const id = res.body.data.id
    await waitFor(async () => (await t().request('GET', `/v1/templates/${id}`, { key: b.apiKey })).body.data.status === 'APPROVED', 5000, 'approval')
    const rejected = await approvedTemplate(t(), b, { name: 'reject_me', body: 'Hello there {{name}} friend', examples: { name: 'Bo' }, category: 'MARKETING' })
    assert.equal(rejected.status, 'REJECTED')
    const approved = await t().request('GET', '/v1/templates?status=APPROVED', { key: b.apiKey })
    assert.deepEqual(approved.body.data.map((x: { name: string }) => x.name), ['order_update'])
    const marketing = await t().request('GET', '/v1/templates?category=MARKETING&language=en_US', { key: b.apiKey })
    assert.deepEqual(marketing.body.data.map((x: { name: string; status_reason: string }) => [x.name, x.status_reason]), [['reject_me', 'INVALID_FORMAT']])
    const byName = await t().request('GET', '/v1/templates?name=order_update', { key: b.apiKey })
    assert.equal(byName.body.data.length, 1)
    const dup = await t().request('POST', '/v1/templates', { key: b.apiKey, body: { ...ORDER, language: 'en_US', category: 'UTILITY' } })
    assert.equal(dup.status, 409)
    assert.equal(dup.body.error.code, 'template_exists')
    const del = await t().request('DELETE', `/v1/templates/${id}`, { key: b.apiKey })
    assert.equal(del.status, 200)
    assert.equal(del.body.data.deleted, 1)
    assert.equal((await t().request('GET', `/v1/templates/${id}`, { key: b.apiKey })).status, 404)
    const left = (await (await fetch(`${emu().url}/_emulator/templates?waba_id=${b.num.wabaId}`)).json()) as { data: Array<{ name: string }> }
    assert.deepEqual(left.data.map((x) => x.name), ['reject_me'])
  })

  test("400 lists every problem with a definition against Meta's limits", async () => {
    const b = await bizWithNumber(t(), emu())
    const res = await t().request('POST', '/v1/templates', {
      key: b.apiKey,
      body: { name: 'Bad Name', language: 'en_US', category: 'UTILITY', body: 'Hi {{first_name}} and {{order}}!', examples: { first_name: 'Ana' }, footer: 'f'.repeat(61) },
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.error.details.fields, [
      { field: 'name', problem: 'must be 1–512 characters of lowercase letters, digits and underscores (e.g. order_shipped)' },
      { field: 'footer', problem: 'must be at most 60 characters' },
      { field: 'examples.order', problem: "is required: give an example value for {{order}} for Meta's review" },
    ])
    assert.match(res.body.message, /^The template is not valid for WhatsApp: name must be 1–512 characters/)
  })

  test('sync pulls templates made elsewhere (straight through the Graph API)', async () => {
    const b = await bizWithNumber(t(), emu())
    const made = await fetch(`${emu().url}/v23.0/${b.num.wabaId}/message_templates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.num.accessToken}` },
      body: JSON.stringify({ name: 'made_in_manager', language: 'pt_BR', category: 'MARKETING', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Olá {{1}}, tudo bem?' }] }),
    })
    assert.equal(made.status, 200)
    const res = await t().request('POST', '/v1/templates/sync', { key: b.apiKey, body: {} })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.data, { created: 1, updated: 0, removed: 0 })
    const list = await t().request('GET', '/v1/templates?language=pt_BR', { key: b.apiKey })
    assert.equal(list.body.data[0].name, 'made_in_manager')
    assert.deepEqual(list.body.data[0].variables, ['1'])
    assert.equal(list.body.data[0].body, 'Olá {{1}}, tudo bem?')
  })

  test('template send: contact and conversation created, phone normalised, text rendered, delivered', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, ORDER)
    const phone = customerPhone()
    const typed = `00 ${phone.slice(1, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`
    const res = await t().request('POST', '/v1/messaging/messages/template', {
      key: b.apiKey,
      body: { phone: typed, template_key: 'order_update', customer_name: 'Ana Lima', variables: { first_name: 'Ana', order_id: 'A-7' } },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const m = res.body.data
    assert.equal(m.message_type, 'template')
    assert.equal(m.text, 'Hi Ana, your order A-7 is on its way.\n\nAcme Shop')
    assert.deepEqual(m.template, { id: m.template.id, key: 'order_update', language: 'en_US', category: 'UTILITY', variables: { first_name: 'Ana', order_id: 'A-7' } })
    const conv = await t().request('GET', `/v1/messaging/conversations/${m.conversation_id}`, { key: b.apiKey })
    assert.equal(conv.body.data.customer_phone, phone)
    assert.equal(conv.body.data.customer_name, 'Ana Lima')
    assert.equal(conv.body.data.window_open, false)
    await waitForMessage(t(), b.apiKey, m.conversation_id, m.id, ['delivered', 'read'])
    const [sent] = await emulatorOutbox(emu(), { to: phone })
    assert.deepEqual(sent.body.template, {
      name: 'order_update',
      language: { code: 'en_US', policy: 'deterministic' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana', parameter_name: 'first_name' }, { type: 'text', text: 'A-7', parameter_name: 'order_id' }] }],
    })
    // A second template to the same phone reuses the conversation.
    const again = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone, template_key: 'order_update', variables: { first_name: 'Ana', order_id: 'A-8' } } })
    assert.equal(again.body.data.conversation_id, m.conversation_id)
  })

  test('template_not_found, template_not_approved, invalid variables, invalid phone, contact_opted_out: exact messages', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, ORDER)
    const send = (body: Record<string, unknown>) => t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone: customerPhone(), ...body } })

    const nf = await send({ template_key: 'no_such_template', variables: {} })
    assert.equal(nf.status, 404)
    assert.deepEqual(nf.body, {
      message: 'No template named "no_such_template" exists on this number; create it with POST /v1/templates, or run POST /v1/templates/sync if it was made elsewhere.',
      error: { code: 'template_not_found', details: { template_key: 'no_such_template' } },
    })

    const pending = await t().request('POST', '/v1/templates', { key: b.apiKey, body: { name: 'slow_review', language: 'en_US', category: 'UTILITY', body: 'Thanks for waiting.' } })
    assert.equal(pending.body.data.status, 'PENDING')
    const np = await send({ template_key: 'slow_review' })
    assert.equal(np.status, 422)
    assert.equal(np.body.error.code, 'template_not_approved')
    assert.equal(np.body.message, 'The template "slow_review" (en_US) cannot be sent because it is still waiting for WhatsApp review; only APPROVED templates can be sent.')
    await approvedTemplate(t(), b, { name: 'reject_this', body: 'Big sale today only!' })
    const rj = await send({ template_key: 'reject_this' })
    assert.equal(rj.status, 422)
    assert.equal(rj.body.message, 'The template "reject_this" (en_US) cannot be sent because its status is REJECTED (INVALID_FORMAT); only APPROVED templates can be sent.')

    const vars = await send({ template_key: 'order_update', variables: { first_name: 'Ana', coupon: 'X' } })
    assert.equal(vars.status, 400)
    assert.equal(vars.body.error.code, 'invalid_template_variables')
    assert.equal(
      vars.body.message,
      'The template "order_update" needs exactly these variables: first_name, order_id. variables.order_id is missing; variables.coupon is not a variable of this template.',
    )
    assert.deepEqual(vars.body.error.details.fields, [
      { field: 'variables.order_id', problem: 'is missing' },
      { field: 'variables.coupon', problem: 'is not a variable of this template' },
    ])

    const badPhone = await send({ phone: '12345', template_key: 'order_update', variables: { first_name: 'A', order_id: '1' } })
    assert.equal(badPhone.status, 400)
    assert.equal(badPhone.body.error.code, 'invalid_phone')
    assert.equal(badPhone.body.message, 'The phone number "12345" has no country code; start it with + and the country code, such as +14155550123.')

    await approvedTemplate(t(), b, { name: 'weekly_deals', category: 'MARKETING', body: 'Deals for {{first_name}} this week!', examples: { first_name: 'Ana' } })
    const phone = customerPhone()
    const first = await send({ phone, template_key: 'order_update', variables: { first_name: 'Bo', order_id: '9' } })
    assert.equal(first.status, 201)
    const conv = await t().request('GET', `/v1/messaging/conversations/${first.body.data.conversation_id}`, { key: b.apiKey })
    await setOptOut(t().deps, b.businessId, conv.body.data.contact_id, true, 'api')
    const oo = await send({ phone, template_key: 'weekly_deals', variables: { first_name: 'Bo' } })
    assert.equal(oo.status, 422)
    assert.equal(oo.body.error.code, 'contact_opted_out')
    assert.equal(oo.body.message, 'This contact opted out of marketing messages; send only utility or service messages, or ask them to opt in.')
    // Utility templates still go to an opted-out contact.
    const util = await send({ phone, template_key: 'order_update', variables: { first_name: 'Bo', order_id: '10' } })
    assert.equal(util.status, 201)
  })

  test('a burst of template sends: one contact and one conversation per phone, however the sends are batched', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, ORDER)
    const phones = Array.from({ length: 6 }, () => customerPhone())
    // Four sends to each new phone at once, one of them naming the customer.
    const sends = await Promise.all(phones.flatMap((phone, p) => [0, 1, 2, 3].map((n) =>
      t().request('POST', '/v1/messaging/messages/template', {
        key: b.apiKey,
        body: { phone, template_key: 'order_update', ...(n === 2 ? { customer_name: `Customer ${p}` } : {}), variables: { first_name: 'Ana', order_id: `${p}-${n}` } },
      }))))
    assert.deepEqual(sends.map((r) => r.status), sends.map(() => 201))
    for (const [p, phone] of phones.entries()) {
      const mine = sends.slice(p * 4, p * 4 + 4).map((r) => r.body.data.conversation_id as string)
      assert.equal(new Set(mine).size, 1, `one conversation for ${phone}`)
      const conv = (await t().request('GET', `/v1/messaging/conversations/${mine[0]}`, { key: b.apiKey })).body.data
      assert.equal(conv.customer_phone, phone)
      assert.equal(conv.customer_name, `Customer ${p}`)
      const contacts = await t().request('GET', `/v1/contacts?search=${encodeURIComponent(phone.slice(1))}`, { key: b.apiKey })
      assert.equal(contacts.body.data.length, 1, `one contact for ${phone}`)
    }
    const all = await t().request('GET', '/v1/messaging/conversations?page_size=100', { key: b.apiKey })
    assert.equal(all.body.data.length, phones.length)
  })

  test('a marketing send refused for an opted-out contact leaves no empty conversation behind', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, { name: 'weekly_deals', category: 'MARKETING', body: 'Deals for {{first_name}} this week!', examples: { first_name: 'Ana' } })
    const phone = customerPhone()
    const contact = await t().request('POST', '/v1/contacts', { key: b.apiKey, body: { phone, name: 'Opted Out' } })
    assert.equal(contact.status, 201)
    await setOptOut(t().deps, b.businessId, contact.body.data.id, true, 'api')
    const oo = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone, template_key: 'weekly_deals', variables: { first_name: 'Bo' } } })
    assert.equal(oo.status, 422)
    assert.equal(oo.body.error.code, 'contact_opted_out')
    const convs = await t().request('GET', '/v1/messaging/conversations', { key: b.apiKey })
    assert.deepEqual(convs.body.data, [])
  })

  test('several numbers: a send may name its number; contacts are shared, conversations are per number', async () => {
    const b = await bizWithNumber(t(), emu())
    const second = await connectEmulatorNumber(t(), emu(), b.businessId, { name: 'Second line' })
    await approvedTemplate(t(), b, ORDER)
    const res2 = await t().request('POST', '/v1/templates', { key: b.apiKey, body: { ...ORDER, language: 'en_US', category: 'UTILITY', number_id: second.numberId } })
    assert.equal(res2.status, 201)
    await waitFor(async () => (await t().request('GET', `/v1/templates/${res2.body.data.id}`, { key: b.apiKey })).body.data.status === 'APPROVED', 5000, 'approval')
    const phone = customerPhone()
    const vars = { first_name: 'Ana', order_id: '1' }
    const a = await t().request('POST', '/v1/messaging/messages/template', { key: b.apiKey, body: { phone, template_key: 'order_update', variables: vars } })
    const c = await t().request('POST', '/v1/messaging/messages/template', {
      key: b.apiKey,
      body: { phone, template_key: 'order_update', variables: vars, business_whatsapp_number_id: second.numberId },
    })
    assert.equal(a.status, 201)
    assert.equal(c.status, 201)
    assert.notEqual(a.body.data.conversation_id, c.body.data.conversation_id)
    const ca = (await t().request('GET', `/v1/messaging/conversations/${a.body.data.conversation_id}`, { key: b.apiKey })).body.data
    const cc = (await t().request('GET', `/v1/messaging/conversations/${c.body.data.conversation_id}`, { key: b.apiKey })).body.data
    assert.equal(ca.contact_id, cc.contact_id)
    assert.deepEqual([ca.number_id, cc.number_id], [b.num.numberId, second.numberId])
    const onSecond = await t().request('GET', `/v1/messaging/conversations?number_id=${second.numberId}`, { key: b.apiKey })
    assert.deepEqual(onSecond.body.data.map((x: { id: string }) => x.id), [cc.id])
    await waitFor(async () => (await emulatorOutbox(emu(), { to: phone })).length === 2, 5000, 'both sends')
    const out = await emulatorOutbox(emu(), { to: phone })
    assert.deepEqual(out.map((e) => e.phone_number_id).sort(), [b.num.phoneNumberId, second.phoneNumberId].sort())
    const other = await t().seedBusiness('Other')
    const foreign = await t().request('POST', '/v1/messaging/messages/template', {
      key: other.apiKey,
      body: { phone, template_key: 'order_update', variables: vars, business_whatsapp_number_id: second.numberId },
    })
    assert.equal(foreign.status, 404)
  })
})
