import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { useSenderSuite } from './setup.js'
import { inState, senderBody, waitForSender } from './support.js'

forEachDatabase('senders API', (kind) => {
  const { t } = useSenderSuite(kind)

  async function create(key: string, overrides: Record<string, unknown> = {}) {
    const res = await t().request('POST', '/v1/senders', { key, body: senderBody(overrides) })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.data
  }

  it('creates a sender in DRAFT, normalised, with its first history entry', async () => {
    const { apiKey } = await t().seedBusiness()
    const res = await t().request('POST', '/v1/senders', { key: apiKey, body: senderBody({ phone: '+1 (206) 555-0177' }) })
    expect(res.status).toBe(201)
    expect(res.headers.deprecation).toBeUndefined()
    expect(res.body.warnings).toBeUndefined()
    const s = res.body.data
    expect(s).toMatchObject({
      state: 'DRAFT',
      phone: '+12065550177',
      billing_category: 'CONVERSATIONAL',
      use_case: 'TRANSACTIONAL',
      region: 'EU',
      state_reasons: [],
      number_id: null,
      provisioner: null,
      launched: null,
      test_number_states: { '+14155550100': 'PENDING' },
      country_status: { US: 'NOT_SUBMITTED', DE: 'NOT_SUBMITTED' },
    })
    expect(s.details.brand.color).toBe('#1A2B3C')
    expect(s.details.countries).toEqual(['US', 'DE'])
    expect(s.details.questionnaire).toEqual({ monthly_volume: 10000, opt_in: 'website form' })
    expect(s.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const got = await t().request('GET', `/v1/senders/${s.id}`, { key: apiKey })
    expect(got.body.data).toEqual(s)
    const events = await t().request('GET', `/v1/senders/${s.id}/events`, { key: apiKey })
    expect(events.body.data).toMatchObject([{ from_state: null, to_state: 'DRAFT', reasons: [] }])
  })

  it.each([
    ['SINGLE_MESSAGE', 'NON_CONVERSATIONAL'],
    ['BASIC_MESSAGE', 'NON_CONVERSATIONAL'],
    ['CONVERSATIONAL_LEGACY', 'CONVERSATIONAL'],
  ])('accepts the deprecated %s, stores %s, and says so (header and warning)', async (given, stored) => {
    const { apiKey } = await t().seedBusiness()
    const res = await t().request('POST', '/v1/senders', { key: apiKey, body: senderBody({ billing_category: given }) })
    expect(res.status).toBe(201)
    expect(res.body.data.billing_category).toBe(stored)
    expect(res.headers.deprecation).toMatch(/^@\d+$/)
    expect(res.body.warnings).toEqual([`billing_category ${given} is deprecated and was stored as ${stored}; send ${stored} from now on.`])
    // The same on PATCH.
    const patched = await t().request('PATCH', `/v1/senders/${res.body.data.id}`, { key: apiKey, body: { billing_category: given } })
    expect(patched.status).toBe(200)
    expect(patched.headers.deprecation).toMatch(/^@\d+$/)
    expect(patched.body.warnings).toHaveLength(1)
    const got = await t().request('GET', `/v1/senders/${res.body.data.id}`, { key: apiKey })
    expect(got.body.data.billing_category).toBe(stored)
    expect(got.headers.deprecation).toBeUndefined()
  })

  it('400 lists schema errors by path: missing, unknown and out-of-enum fields', async () => {
    const { apiKey } = await t().seedBusiness()
    const body = senderBody({ region: 'MARS', billing_category: 'FREE', surprise: 1 })
    delete (body as Record<string, unknown>).display_name
    ;((body.details as Record<string, any>).brand as Record<string, unknown>).slogan = 'x'
    ;((body.details as Record<string, any>).brand.emails as unknown[]).push({ label: 'no address' })
    const res = await t().request('POST', '/v1/senders', { key: apiKey, body })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('validation_failed')
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort()
    expect(fields).toEqual(['billing_category', 'details.brand.emails[1].address', 'details.brand.slogan', 'display_name', 'region', 'surprise'].sort())
    const region = res.body.error.details.fields.find((f: { field: string }) => f.field === 'region')
    expect(region.problem).toBe('must be one of "EU", "US", "APAC", "BR"')
    expect(res.body.message).toMatch(/^Some fields in the body are invalid: .*display_name is required/)
  })

  it('400 lists semantic errors by path, all at once', async () => {
    const { apiKey } = await t().seedBusiness()
    const body = senderBody({ phone: '0206 555 0100' }) as Record<string, any>
    body.details.brand.emails = [{ label: 'ok', address: 'ok@example.com' }, { label: 'bad', address: 'support(at)acme' }]
    body.details.brand.phones = [{ label: 'bad', number: '+1 555' }]
    body.details.brand.websites = [{ label: 'bad', url: 'javascript:alert(1)' }]
    body.details.brand.color = '#12345G'
    body.details.brand.privacy_policy_url = 'privacy'
    body.details.test_numbers = ['+14155550100', 'call me']
    body.details.countries = ['DE', 'ZZ']
    const res = await t().request('POST', '/v1/senders', { key: apiKey, body })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('validation_failed')
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([
      'phone',
      'details.brand.emails[1].address',
      'details.brand.phones[0].number',
      'details.brand.websites[0].url',
      'details.brand.color',
      'details.brand.privacy_policy_url',
      'details.test_numbers[1]',
      'details.countries[1]',
    ])
    expect(res.body.error.details.fields[1]).toEqual({ field: 'details.brand.emails[1].address', problem: 'must be an email address such as support@example.com' })
    expect(res.body.message).toContain('details.brand.phones[0].number')
    expect(res.body.message).toMatch(/Fix them and try again\.$/)
  })

  it('PATCH changes a DRAFT (validated like a create) and refuses once submitted', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = await create(apiKey)
    const bad = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: { details: { brand: { name: 'Acme', phones: [{ label: 'x', number: '12' }] } } } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.fields).toEqual([{ field: 'details.brand.phones[0].number', problem: expect.any(String) }])
    const empty = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: {} })
    expect(empty.status).toBe(400)
    const ok = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: { display_name: 'Acme Care', details: { countries: ['FR'] } } })
    expect(ok.status).toBe(200)
    expect(ok.body.data.display_name).toBe('Acme Care')
    expect(ok.body.data.details.countries).toEqual(['FR'])
    expect(ok.body.data.details.brand.name).toBe('Acme') // parts not given are kept
    expect(ok.body.data.details.test_numbers).toEqual(['+14155550100'])
    expect(Date.parse(ok.body.data.modified)).toBeGreaterThanOrEqual(Date.parse(s.modified))

    expect((await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey })).status).toBe(200)
    const refused = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: { display_name: 'Too late' } })
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('invalid_transition')
    expect(refused.body.error.details).toMatchObject({ action: 'edit', editable_states: ['DRAFT', 'REJECTED'] })
    expect(['IN_REVIEW', 'IN_TEST']).toContain(refused.body.error.details.state)
    expect(refused.body.message).toMatch(/cannot be edited; a sender can be edited only in DRAFT or REJECTED\./)
  })

  it('refuses every transition the state does not allow, listing the allowed ones', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = await create(apiKey)
    const early = await t().request('POST', `/v1/senders/${s.id}/launch`, { key: apiKey })
    expect(early.status).toBe(409)
    expect(early.body.error).toEqual({
      code: 'invalid_transition',
      details: { sender_id: s.id, state: 'DRAFT', action: 'launch', allowed_transitions: [{ action: 'submit', to: 'IN_REVIEW' }] },
    })
    expect(early.body.message).toBe(
      'This sender is DRAFT, so it cannot launch; launch a sender once it is IN_TEST (review approved), or again after a FAILED launch. Allowed from DRAFT: submit → IN_REVIEW.',
    )
    expect((await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey })).status).toBe(200)
    const twice = await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey })
    expect(twice.status).toBe(409)
    expect(twice.body.error.details.allowed_transitions).toEqual([
      { action: 'approve', to: 'IN_TEST' },
      { action: 'reject', to: 'REJECTED' },
    ])
    await waitForSender(t(), apiKey, s.id, inState('IN_TEST'))
    const resubmit = await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey })
    expect(resubmit.status).toBe(409)
    expect(resubmit.body.error.details).toMatchObject({ state: 'IN_TEST', allowed_transitions: [{ action: 'launch', to: 'LAUNCHING' }] })
    expect((await t().request('POST', `/v1/senders/${s.id}/launch`, { key: apiKey })).status).toBe(200)
    const during = await t().request('POST', `/v1/senders/${s.id}/launch`, { key: apiKey })
    expect(during.status).toBe(409)
    expect(during.body.error.details.allowed_transitions).toEqual([
      { action: 'complete', to: 'LAUNCHED' },
      { action: 'fail', to: 'FAILED' },
    ])
    await waitForSender(t(), apiKey, s.id, inState('LAUNCHED'))
    for (const action of ['submit', 'launch']) {
      const done = await t().request('POST', `/v1/senders/${s.id}/${action}`, { key: apiKey })
      expect(done.status).toBe(409)
      expect(done.body.error.details).toMatchObject({ state: 'LAUNCHED', allowed_transitions: [] })
      expect(done.body.message).toContain('Allowed from LAUNCHED: none (it is final).')
    }
    const del = await t().request('DELETE', `/v1/senders/${s.id}`, { key: apiKey })
    expect(del.status).toBe(409)
    expect(del.body.error.details).toMatchObject({ action: 'delete', state: 'LAUNCHED', undeletable_states: ['LAUNCHING', 'LAUNCHED'] })
    const patch = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: { display_name: 'x' } })
    expect(patch.status).toBe(409)
  })

  it('DELETE removes a sender that is not launched', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = await create(apiKey)
    const del = await t().request('DELETE', `/v1/senders/${s.id}`, { key: apiKey })
    expect(del.status).toBe(200)
    expect((await t().request('GET', `/v1/senders/${s.id}`, { key: apiKey })).status).toBe(404)
    expect((await t().request('DELETE', `/v1/senders/${s.id}`, { key: apiKey })).status).toBe(404)
    const list = await t().request('GET', '/v1/senders', { key: apiKey })
    expect(list.body.total_size).toBe(0)
  })

  it("another business's key gets 404 on every sender route, and never sees it in lists", async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    const s = await create(a.apiKey)
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/v1/senders/${s.id}`],
      ['PATCH', `/v1/senders/${s.id}`, { display_name: 'mine now' }],
      ['DELETE', `/v1/senders/${s.id}`],
      ['POST', `/v1/senders/${s.id}/submit`],
      ['POST', `/v1/senders/${s.id}/launch`],
      ['GET', `/v1/senders/${s.id}/events`],
    ]
    for (const [method, url, body] of calls) {
      const res = await t().request(method, url, { key: b.apiKey, body })
      expect(res.status, `${method} ${url}`).toBe(404)
      expect(res.body.error.code).toBe('not_found')
      expect(res.body.message).toBe(`No sender has the id ${s.id}; list your senders with GET /v1/senders.`)
    }
    const list = await t().request('GET', `/v1/senders?sender_ids=${s.id}`, { key: b.apiKey })
    expect(list.body).toMatchObject({ data: [], total_size: 0 })
    const still = await t().request('GET', `/v1/senders/${s.id}`, { key: a.apiKey })
    expect(still.body.data).toMatchObject({ state: 'DRAFT', display_name: 'Acme Support' })
  })

  it('reads need numbers:read, writes numbers:write', async () => {
    const { businessId, apiKey } = await t().seedBusiness()
    const s = await create(apiKey)
    const reader = await t().keyWith(businessId, ['numbers:read'])
    expect((await t().request('GET', '/v1/senders', { key: reader })).status).toBe(200)
    expect((await t().request('GET', `/v1/senders/${s.id}/events`, { key: reader })).status).toBe(200)
    for (const [method, url] of [['POST', '/v1/senders'], ['PATCH', `/v1/senders/${s.id}`], ['POST', `/v1/senders/${s.id}/submit`], ['DELETE', `/v1/senders/${s.id}`]]) {
      const res = await t().request(method, url, { key: reader, body: method === 'DELETE' ? undefined : {} })
      expect(res.status, `${method} ${url}`).toBe(403)
      expect(res.body.error).toEqual({ code: 'forbidden', details: { required_scope: 'numbers:write' } })
    }
    const other = await t().keyWith(businessId, ['contacts:read'])
    const res = await t().request('GET', `/v1/senders/${s.id}`, { key: other })
    expect(res.status).toBe(403)
    expect(res.body.error.details).toEqual({ required_scope: 'numbers:read' })
  })
})

forEachDatabase('senders without an emulator', (kind) => {
  const t = useTestApp(kind, { env: { SWITCHBOARD_EMULATOR: 'off' } })

  it('submit asks for Cloud API credentials', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = (await t().request('POST', '/v1/senders', { key: apiKey, body: senderBody() })).body.data
    const res = await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('cloud_credentials_required')
    expect(res.body.message).toMatch(/send the number's cloud credentials/)
    const bad = await t().request('POST', `/v1/senders/${s.id}/submit`, { key: apiKey, body: { cloud: { phone_number_id: 'abc', waba_id: '1' } } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['cloud.access_token', 'cloud.app_secret', 'cloud.phone_number_id'])
    expect((await t().request('GET', `/v1/senders/${s.id}`, { key: apiKey })).body.data.state).toBe('DRAFT')
  })
})
