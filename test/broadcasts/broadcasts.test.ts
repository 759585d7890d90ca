import { expect, it } from 'vitest'
import { createContact, setOptOut } from '../../src/services/contacts.js'
import { startWebhookDeliverer, type Deliverer } from '../../src/jobs/webhook-deliverer.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { useEmulator } from '../helpers/whatsapp.js'
import { approvedTemplate, bizWithNumber, customerPhone, emulatorOutbox, patchEmulatorConfig, waitFor, type Biz } from '../messaging/support.js'

const PROMO = { name: 'spring_promo', category: 'MARKETING', body: 'Hi {{first_name}}, {{offer}} this week.', examples: { first_name: 'Ana', offer: '20% off' } }

forEachDatabase('broadcasts', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 100 } }, env: { SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1' } })
  const emu = useEmulator()

  async function contactsTagged(b: Biz, tag: string, people: Array<{ first_name?: string; opted_out?: boolean; phone?: string }>) {
    const out: Array<{ id: string; phone: string }> = []
    for (const p of people) {
      const { contact } = await createContact(t().deps, b.businessId, { phone: p.phone ?? customerPhone(), firstName: p.first_name ?? null, tags: [tag] })
      if (p.opted_out) await setOptOut(t().deps, b.businessId, contact.id, true, 'api')
      out.push({ id: contact.id, phone: contact.phone as string })
    }
    return out
  }

  const get = async (b: Biz, id: string) => (await t().request('GET', `/v1/broadcasts/${id}`, { key: b.apiKey })).body.data

  it('sends to the audience with per-recipient variables; counts skipped and failed recipients, and says why', async () => {
    const b = await bizWithNumber(t(), emu())
    expect((await approvedTemplate(t(), b, PROMO)).status).toBe('APPROVED')
    const notOnWhatsApp = customerPhone()
    await patchEmulatorConfig(emu(), { not_on_whatsapp: [notOnWhatsApp] })
    const people = await contactsTagged(b, 'spring', [
      { first_name: 'Ana' },
      { first_name: 'Bo' },
      {},
      { first_name: 'Cy', opted_out: true },
      { first_name: 'Di', phone: notOnWhatsApp },
    ])
    const extraPhone = customerPhone()
    const created = await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: {
        name: 'Spring',
        template_key: 'spring_promo',
        audience: { tags_any: ['spring'], phones: [extraPhone] },
        variables: { first_name: { value: '{{contact.first_name}}', default: 'there' }, offer: '20% off' },
      },
    })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ status: 'draft', audience_count: 6, template: { key: 'spring_promo', status: 'APPROVED' } })
    const id = created.body.data.id

    const started = await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    expect(started.status).toBe(200)
    expect(started.body.data.status).toBe('running')
    const again = await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'invalid_transition', details: { allowed: ['pause', 'cancel'] } })

    const done = await waitFor(async () => {
      const d = await get(b, id)
      return d.status === 'completed' && d.counts.delivered + d.counts.read === 4 ? d : null
    }, 20_000, 'the broadcast to complete')
    expect(done.counts).toMatchObject({ total: 6, queued: 0, failed: 0, skipped: 2 })

    const skipped = (await t().request('GET', `/v1/broadcasts/${id}/recipients?status=skipped`, { key: b.apiKey })).body.data
    expect(skipped.map((r: { phone: string; skip_reason: string }) => [r.phone, r.skip_reason]).sort()).toEqual(
      [[people[3].phone, 'opted_out'], [notOnWhatsApp, 'not_on_whatsapp']].sort(),
    )
    const sentTexts = (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId }))
      .map((e) => (e.body as { template: { components: Array<{ parameters: Array<{ text: string }> }> } }).template.components[0].parameters[0].text)
      .sort()
    expect(sentTexts).toEqual(['Ana', 'Bo', 'Di', 'there', 'there'])
    // Every recipient's message is in its conversation, with the rendered text.
    const all = (await t().request('GET', `/v1/broadcasts/${id}/recipients?page_size=2`, { key: b.apiKey })).body
    expect(all.data).toHaveLength(2)
    expect(all.next_page_token).toBeTruthy()
  })

  it('a failing recipient does not stop the broadcast', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, { ...PROMO, name: 'fail_promo' })
    await contactsTagged(b, 'failing', [{ first_name: 'A' }, { first_name: 'B' }, { first_name: 'C' }])
    await fetch(`${emu().url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1, http_status: 400, code: 131009 }) })
    const id = (await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'F', template_key: 'fail_promo', audience: { tags_all: ['failing'] }, variables: { first_name: '{{contact.first_name}}', offer: 'x' } },
    })).body.data.id
    await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    const done = await waitFor(async () => {
      const d = await get(b, id)
      return d.status === 'completed' && d.counts.failed === 1 && d.counts.delivered + d.counts.read === 2 ? d : null
    }, 20_000, 'completion with one failure')
    const failed = (await t().request('GET', `/v1/broadcasts/${id}/recipients?status=failed`, { key: b.apiKey })).body.data
    expect(failed).toHaveLength(1)
    expect(failed[0].error.provider_code).toBe(131009)
    expect(done.counts.total).toBe(3)
  })

  it('pauses and resumes; every recipient gets exactly one message', async () => {
    const b = await bizWithNumber(t(), emu(), { throughputMps: 20 })
    await approvedTemplate(t(), b, { ...PROMO, name: 'slow_promo' })
    const people = await contactsTagged(b, 'slow', Array.from({ length: 60 }, (_, i) => ({ first_name: `P${i}` })))
    const id = (await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'Slow', template_key: 'slow_promo', audience: { tags_any: ['slow'] }, variables: { first_name: '{{contact.first_name}}', offer: 'y' } },
    })).body.data.id
    await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    await waitFor(async () => (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })).length >= 10, 10_000, 'some sends')
    const paused = await t().request('POST', `/v1/broadcasts/${id}/pause`, { key: b.apiKey })
    expect(paused.body.data.status).toBe('paused')
    await new Promise((r) => setTimeout(r, 500))
    const atPause = (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })).length
    await new Promise((r) => setTimeout(r, 1000))
    const later = (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })).length
    expect(later).toBe(atPause)
    expect(atPause).toBeLessThan(60)
    const resumed = await t().request('POST', `/v1/broadcasts/${id}/resume`, { key: b.apiKey })
    expect(resumed.body.data.status).toBe('running')
    await waitFor(async () => (await get(b, id)).status === 'completed', 20_000, 'completion after resume')
    const sent = await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })
    const perPhone = new Map<string, number>()
    for (const e of sent) perPhone.set(e.wa_id, (perPhone.get(e.wa_id) ?? 0) + 1)
    expect(perPhone.size).toBe(60)
    expect([...perPhone.values()].every((n) => n === 1)).toBe(true)
    expect(new Set(people.map((p) => p.phone.slice(1)))).toEqual(new Set(perPhone.keys()))
  })

  it('pauses itself with the reason when WhatsApp pauses the template mid-way', async () => {
    const b = await bizWithNumber(t(), emu(), { throughputMps: 10 })
    await approvedTemplate(t(), b, { ...PROMO, name: 'paused_promo' })
    await contactsTagged(b, 'mid', Array.from({ length: 40 }, (_, i) => ({ first_name: `M${i}` })))
    const id = (await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'Mid', template_key: 'paused_promo', audience: { tags_any: ['mid'] }, variables: { first_name: '{{contact.first_name}}', offer: 'z' } },
    })).body.data.id
    await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    await waitFor(async () => (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })).length >= 3, 10_000, 'some sends')
    await fetch(`${emu().url}/_emulator/templates/paused_promo/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'PAUSED', reason: 'LOW_QUALITY', waba_id: b.num.wabaId }),
    })
    const paused = await waitFor(async () => {
      const d = await get(b, id)
      return d.status === 'paused' ? d : null
    }, 10_000, 'the broadcast to pause')
    expect(paused.pause_reason).toMatch(/paused_promo" to PAUSED/)
    const resume = await t().request('POST', `/v1/broadcasts/${id}/resume`, { key: b.apiKey })
    expect(resume.status).toBe(422)
    expect(resume.body.error.code).toBe('template_not_approved')
  })

  it('refuses bad broadcasts with every problem listed', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, { ...PROMO, name: 'check_promo' })
    const missing = await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'x', template_key: 'check_promo', audience: { tags_any: ['a'] }, variables: { first_name: '{{contact.nickname}}', extra: '1' } },
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error.code).toBe('invalid_template_variables')
    expect(missing.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['variables.extra', 'variables.first_name', 'variables.offer'])
    const noAudience = await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'x', template_key: 'check_promo', audience: { phones: ['+1 415'] }, variables: { first_name: 'a', offer: 'b' } },
    })
    expect(noAudience.status).toBe(400)
    expect(noAudience.body.error.details.fields[0].field).toBe('audience.phones[0]')
    const unknown = await t().request('POST', '/v1/broadcasts', { key: b.apiKey, body: { name: 'x', template_key: 'nope', audience: { tags_any: ['a'] } } })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('template_not_found')
    const other = await t().seedBusiness('Other')
    const id = (await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'x', template_key: 'check_promo', audience: { tags_any: ['a'] }, variables: { first_name: 'a', offer: 'b' } },
    })).body.data.id
    for (const [method, path] of [['GET', `/v1/broadcasts/${id}`], ['GET', `/v1/broadcasts/${id}/recipients`], ['POST', `/v1/broadcasts/${id}/start`], ['POST', `/v1/broadcasts/${id}/cancel`]] as const) {
      expect((await t().request(method, path, { key: other.apiKey })).status, `${method} ${path}`).toBe(404)
    }
    const cancelled = await t().request('POST', `/v1/broadcasts/${id}/cancel`, { key: b.apiKey })
    expect(cancelled.body.data.status).toBe('cancelled')
  })

  it('emits broadcast.completed to webhook subscribers', async () => {
    const receiver: Receiver = await startReceiver()
    const deliverer: Deliverer = await startWebhookDeliverer(t().deps)
    try {
      const b = await bizWithNumber(t(), emu())
      await approvedTemplate(t(), b, { ...PROMO, name: 'event_promo' })
      await t().request('POST', '/v1/webhooks', { key: b.apiKey, body: { url: receiver.url, events: ['broadcast.completed'] } })
      await contactsTagged(b, 'evt', [{ first_name: 'E' }])
      const id = (await t().request('POST', '/v1/broadcasts', {
        key: b.apiKey,
        body: { name: 'Evt', template_key: 'event_promo', audience: { tags_any: ['evt'] }, variables: { first_name: '{{contact.first_name}}', offer: 'o' } },
      })).body.data.id
      await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
      const got = await waitFor(async () => receiver.received.find((r) => JSON.parse(r.body).type === 'broadcast.completed') ?? null, 20_000, 'the event')
      expect(JSON.parse(got.body).data).toMatchObject({ id, counts: { total: 1 } })
    } finally {
      await deliverer.stop()
      await receiver.close()
    }
  })
})

forEachDatabase('scheduled broadcasts', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 100 } } })
  const emu = useEmulator()

  it('waits for scheduled_at, then fixes the audience and sends', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, { ...PROMO, name: 'later_promo' })
    await createContact(t().deps, b.businessId, { phone: customerPhone(), firstName: 'Early', tags: ['later'] })
    const at = new Date(Date.now() + 1500).toISOString()
    const id = (await t().request('POST', '/v1/broadcasts', {
      key: b.apiKey,
      body: { name: 'Later', template_key: 'later_promo', audience: { tags_any: ['later'] }, variables: { first_name: '{{contact.first_name}}', offer: 'o' }, scheduled_at: at },
    })).body.data.id
    const started = await t().request('POST', `/v1/broadcasts/${id}/start`, { key: b.apiKey })
    expect(started.body.data.status).toBe('scheduled')
    // Joins before the audience is fixed at the scheduled time.
    await createContact(t().deps, b.businessId, { phone: customerPhone(), firstName: 'Late', tags: ['later'] })
    const done = await waitFor(async () => {
      const d = (await t().request('GET', `/v1/broadcasts/${id}`, { key: b.apiKey })).body.data
      return d.status === 'completed' ? d : null
    }, 15_000, 'the scheduled broadcast')
    expect(done.counts.total).toBe(2)
    expect(Date.parse(done.started_at)).toBeGreaterThanOrEqual(Date.parse(at))
  })
})
