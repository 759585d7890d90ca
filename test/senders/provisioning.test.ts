import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { RuleRefusedError } from '../../src/domain/errors.js'
import { senderJob } from '../../src/jobs/senders.js'
import { credentialsFor } from '../../src/services/numbers.js'
import { assertSenderMayMessage } from '../../src/services/senders.js'
import { forEachDatabase } from '../helpers/harness.js'
import { customerWrites } from '../helpers/whatsapp.js'
import { useSenderSuite } from './setup.js'
import { inState, senderBody, uniquePhone, waitForSender } from './support.js'

forEachDatabase('sender provisioning', (kind) => {
  const { t, emulator, job } = useSenderSuite(kind)

  async function created(key: string, overrides: Record<string, unknown> = {}) {
    const res = await t().request('POST', '/v1/senders', { key, body: senderBody(overrides) })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.data as { id: string; phone: string }
  }
  async function post(key: string, url: string, body?: unknown) {
    const res = await t().request('POST', url, { key, body })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data
  }
  const history = async (key: string, id: string) =>
    (await t().request('GET', `/v1/senders/${id}/events`, { key })).body.data as Array<{ from_state: string | null; to_state: string; reasons: unknown[] }>

  async function inTest(key: string, overrides: Record<string, unknown> = {}) {
    const s = await created(key, overrides)
    await post(key, `/v1/senders/${s.id}/submit`)
    return waitForSender(t(), key, s.id, inState('IN_TEST'))
  }

  it('review rejects a brand name containing "reject" with the reason on that field; a fixed sender passes on resubmit', async () => {
    const { apiKey } = await t().seedBusiness()
    const body = senderBody() as Record<string, any>
    body.details.brand.name = 'Rejectable Rockets'
    const s = await created(apiKey, { details: body.details })
    const submitted = await post(apiKey, `/v1/senders/${s.id}/submit`)
    expect(submitted).toMatchObject({ state: 'IN_REVIEW', provisioner: 'emulator', country_status: { US: 'IN_REVIEW', DE: 'IN_REVIEW' } })
    const rejected = await waitForSender(t(), apiKey, s.id, inState('REJECTED', 'IN_TEST'))
    expect(rejected.state).toBe('REJECTED')
    expect(rejected.state_reasons).toEqual([{ field: 'details.brand.name', problem: expect.stringMatching(/^was rejected by review: brand names containing "reject" are refused/) }])
    expect(rejected.country_status).toEqual({ US: 'REJECTED', DE: 'REJECTED' })
    expect(rejected.number_id).toBeNull()

    const fixed = await t().request('PATCH', `/v1/senders/${s.id}`, { key: apiKey, body: { details: { brand: { name: 'Acceptable Rockets' } } } })
    expect(fixed.status).toBe(200)
    expect(fixed.body.data.state).toBe('REJECTED')
    const again = await post(apiKey, `/v1/senders/${s.id}/submit`)
    expect(again.state_reasons).toEqual([])
    const passed = await waitForSender(t(), apiKey, s.id, inState('IN_TEST', 'REJECTED'))
    expect(passed).toMatchObject({ state: 'IN_TEST', state_reasons: [], test_number_states: { '+14155550100': 'ACTIVE' }, country_status: { US: 'APPROVED' } })
    expect((await history(apiKey, s.id)).map((e) => [e.from_state, e.to_state, e.reasons.length])).toEqual([
      [null, 'DRAFT', 0],
      ['DRAFT', 'IN_REVIEW', 0],
      ['IN_REVIEW', 'REJECTED', 1],
      ['REJECTED', 'IN_REVIEW', 0],
      ['IN_REVIEW', 'IN_TEST', 0],
    ])
  })

  it('a launched sender is a number of the business that sends reach the emulator from', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const s = await inTest(apiKey)
    expect(s.number_id).toMatch(/^[0-9a-f-]{36}$/)
    const launching = await post(apiKey, `/v1/senders/${s.id}/launch`)
    expect(launching.state).toBe('LAUNCHING')
    const launched = await waitForSender(t(), apiKey, s.id, inState('LAUNCHED', 'FAILED'))
    expect(launched).toMatchObject({ state: 'LAUNCHED', state_reasons: [], country_status: { US: 'LAUNCHED', DE: 'LAUNCHED' }, number_id: s.number_id })
    expect(Date.parse(launched.launched)).toBeGreaterThanOrEqual(Date.parse(launched.created))

    const numbers = await t().request('GET', '/v1/numbers', { key: apiKey })
    expect(numbers.status).toBe(200)
    const number = numbers.body.data.find((n: { id: string }) => n.id === s.number_id)
    expect(number).toMatchObject({ display_phone_number: s.phone, name: 'Acme Support' })

    // The emulator knows the number (registered, with our webhook URL) under the same credentials.
    const emuNumbers = (await (await fetch(`${emulator().url}/_emulator/numbers`)).json()) as { data: Array<Record<string, unknown>> }
    const emuNumber = emuNumbers.data.find((n) => n.display_phone_number === s.phone)
    expect(emuNumber).toMatchObject({ registered: true, verified_name: 'Acme Support' })

    // A customer writes in (opening the window), and the launched number answers through the real adapter.
    const row = await t().deps.store.numbers.get(businessId, s.number_id)
    if (!row) throw new Error('number row missing')
    const customer = '+4915112345678'
    await customerWrites(emulator(), { displayPhone: s.phone }, customer, { type: 'text', text: 'hello?' })
    await assertSenderMayMessage(t().deps, row.id, customer) // launched: anyone
    const { wamid } = await t().deps.providers.for(row).send(credentialsFor(t().deps, row), { kind: 'text', to: customer, text: 'Hi from a launched sender' })
    expect(wamid).toMatch(/^wamid\./)
    const outbox = emulator().outbox().filter((e) => e.wamid === wamid)
    expect(outbox).toHaveLength(1)
    expect(outbox[0]).toMatchObject({ phone_number_id: row.phoneNumberId, wa_id: '4915112345678' })

    expect((await history(apiKey, s.id)).map((e) => e.to_state)).toEqual(['DRAFT', 'IN_REVIEW', 'IN_TEST', 'LAUNCHING', 'LAUNCHED'])
  })

  it('in test, the number may message only the test numbers; a deleted sender’s number none', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = await inTest(apiKey)
    await assertSenderMayMessage(t().deps, s.number_id, '+1 415 555 0100')
    const refused = await assertSenderMayMessage(t().deps, s.number_id, '+4915112345678').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RuleRefusedError)
    expect(refused).toMatchObject({
      code: 'sender_test_recipient_only',
      details: { number_id: s.number_id, sender_id: s.id, sender_state: 'IN_TEST', test_numbers: ['+14155550100'] },
    })
    expect((refused as Error).message).toBe(
      `This number cannot message +4915112345678: its sender is IN_TEST, and until it is launched it may message only its test numbers (+14155550100); send to one of its test numbers, or launch the sender with POST /v1/senders/${s.id}/launch.`,
    )
    // Numbers that did not come from a sender are not concerned.
    await assertSenderMayMessage(t().deps, '01a1fd00-0000-7000-8000-000000000000', '+4915112345678')

    expect((await t().request('DELETE', `/v1/senders/${s.id}`, { key: apiKey })).status).toBe(200)
    const gone = await assertSenderMayMessage(t().deps, s.number_id, '+14155550100').catch((e: unknown) => e)
    expect(gone).toMatchObject({ code: 'sender_not_launched' })
    expect((gone as Error).message).toMatch(/deleted before launch/)
  })

  it('a launch can fail (emulator rule: display name containing "fail") and be retried', async () => {
    const { apiKey } = await t().seedBusiness()
    const s = await inTest(apiKey, { display_name: 'Failsafe Alerts' })
    await post(apiKey, `/v1/senders/${s.id}/launch`)
    const failed = await waitForSender(t(), apiKey, s.id, inState('FAILED', 'LAUNCHED'))
    expect(failed.state).toBe('FAILED')
    expect(failed.state_reasons).toEqual([{ field: 'display_name', problem: expect.stringMatching(/^Registration was refused: display names containing "fail"/) }])
    expect(failed.launched).toBeNull()
    // FAILED may be launched again (here it fails again, the rule still applies).
    expect((await post(apiKey, `/v1/senders/${s.id}/launch`)).state).toBe('LAUNCHING')
    await waitForSender(t(), apiKey, s.id, inState('FAILED'))
    const h = await history(apiKey, s.id)
    expect(h.map((e) => e.to_state)).toEqual(['DRAFT', 'IN_REVIEW', 'IN_TEST', 'LAUNCHING', 'FAILED', 'LAUNCHING', 'FAILED'])
    expect(h[4].reasons).toEqual(failed.state_reasons)
  })

  it('on the Cloud API: review checks the number with Meta, launch needs the PIN, and Meta’s errors become the REJECTED or FAILED reasons', async () => {
    const { apiKey } = await t().seedBusiness()
    // The business added the number to its WABA in Meta (here: in the emulator).
    async function metaNumber(phone: string) {
      const n = { phoneNumberId: `3${randomBytes(6).readUIntBE(0, 6)}`, wabaId: `4${randomBytes(6).readUIntBE(0, 6)}`, token: `EAAG${randomBytes(12).toString('hex')}`, secret: randomBytes(8).toString('hex') }
      const res = await fetch(`${emulator().url}/_emulator/numbers/${n.phoneNumberId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ display_phone_number: phone, waba_id: n.wabaId, access_token: n.token, app_secret: n.secret }),
      })
      expect(res.status).toBe(200)
      return n
    }
    const cloud = (n: { phoneNumberId: string; wabaId: string; token: string; secret: string }, over: Record<string, string> = {}) => ({
      cloud: { phone_number_id: n.phoneNumberId, waba_id: n.wabaId, access_token: n.token, app_secret: n.secret, graph_base_url: emulator().url, ...over },
    })

    const good = await created(apiKey)
    const gn = await metaNumber(good.phone)
    expect((await post(apiKey, `/v1/senders/${good.id}/submit`, cloud(gn))).provisioner).toBe('cloud')
    await waitForSender(t(), apiKey, good.id, inState('IN_TEST'))
    const noPin = await t().request('POST', `/v1/senders/${good.id}/launch`, { key: apiKey })
    expect(noPin.status).toBe(400)
    expect(noPin.body.error.details.fields).toEqual([{ field: 'pin', problem: 'is required to launch on the Cloud API' }])
    const badPin = await t().request('POST', `/v1/senders/${good.id}/launch`, { key: apiKey, body: { pin: '12ab56' } })
    expect(badPin.status).toBe(400)
    await post(apiKey, `/v1/senders/${good.id}/launch`, { pin: '246810' })
    expect((await waitForSender(t(), apiKey, good.id, inState('LAUNCHED', 'FAILED'))).state).toBe('LAUNCHED')
    const again = await t().request('POST', `/v1/senders/${good.id}/submit`, { key: apiKey, body: cloud(gn) })
    expect(again.status).toBe(409)

    // Submitting a number that is already connected is refused at once.
    const dup = await created(apiKey)
    const dupRes = await t().request('POST', `/v1/senders/${dup.id}/submit`, { key: apiKey, body: cloud(gn) })
    expect(dupRes.status).toBe(409)
    expect(dupRes.body.error.code).toBe('number_exists')

    // A wrong token: review asks Meta for the number, gets 190, and rejects on the token.
    const wrongToken = await created(apiKey)
    const wn = await metaNumber(wrongToken.phone)
    await post(apiKey, `/v1/senders/${wrongToken.id}/submit`, cloud(wn, { access_token: 'EAAGnot-the-token' }))
    const r1 = await waitForSender(t(), apiKey, wrongToken.id, inState('REJECTED', 'IN_TEST'))
    expect(r1.state).toBe('REJECTED')
    expect(r1.state_reasons).toEqual([{ field: 'cloud.access_token', problem: expect.stringContaining('Meta said'), provider_code: 190 }])
    expect(r1.number_id).toBeNull()

    // Meta has another phone under that id: rejected on `phone`.
    const otherPhone = await created(apiKey)
    const on = await metaNumber(uniquePhone())
    await post(apiKey, `/v1/senders/${otherPhone.id}/submit`, cloud(on))
    const r2 = await waitForSender(t(), apiKey, otherPhone.id, inState('REJECTED', 'IN_TEST'))
    expect(r2.state_reasons).toEqual([{ field: 'phone', problem: expect.stringContaining(`not this sender's ${otherPhone.phone}`) }])

    // A WABA the token does not open: register succeeds, subscribing the app fails with Meta's error.
    const wrongWaba = await created(apiKey)
    const xn = await metaNumber(wrongWaba.phone)
    await post(apiKey, `/v1/senders/${wrongWaba.id}/submit`, cloud(xn, { waba_id: '999000111' }))
    await waitForSender(t(), apiKey, wrongWaba.id, inState('IN_TEST'))
    await post(apiKey, `/v1/senders/${wrongWaba.id}/launch`, { pin: '246810' })
    const f2 = await waitForSender(t(), apiKey, wrongWaba.id, inState('FAILED', 'LAUNCHED'))
    expect(f2.state).toBe('FAILED')
    expect(f2.state_reasons[0]).toMatchObject({ field: null, provider_code: expect.any(Number) })
    expect(f2.state_reasons[0].problem).toMatch(/Meta/)
  })

  it('the emulator refuses a phone it already has as another number: REJECTED on `phone`', async () => {
    const { apiKey } = await t().seedBusiness()
    const phone = uniquePhone()
    const res = await fetch(`${emulator().url}/_emulator/numbers/77${Date.now()}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_phone_number: phone, waba_id: '555', access_token: 'tok', app_secret: 'sec' }),
    })
    expect(res.status).toBe(200)
    const s = await created(apiKey, { phone })
    await post(apiKey, `/v1/senders/${s.id}/submit`)
    const rejected = await waitForSender(t(), apiKey, s.id, inState('REJECTED', 'IN_TEST'))
    expect(rejected.state_reasons).toEqual([{ field: 'phone', problem: expect.stringContaining(`already has ${phone} as another number`) }])
    expect(rejected.number_id).toBeNull()
    const numbers = await t().request('GET', '/v1/numbers', { key: apiKey })
    expect(numbers.body.data).toEqual([])
  })

  it('nothing is lost across a restart: due senders wait in the database for the next job, and expired leases are retaken', async () => {
    const { apiKey } = await t().seedBusiness()
    await job().stop()
    try {
      const s = await created(apiKey)
      await post(apiKey, `/v1/senders/${s.id}/submit`)
      // A claim by a process that then died: the lease holds the row for a minute...
      const claimed = await t().deps.store.senders.claimDue(new Date(Date.now() + 1000), new Date(Date.now() + 60_000), 10)
      expect(claimed.map((c) => c.id)).toContain(s.id)
      const stuck = await senderJob(t().deps).tick()
      expect(stuck).toBe(0)
      expect((await t().request('GET', `/v1/senders/${s.id}`, { key: apiKey })).body.data.state).toBe('IN_REVIEW')
      // ...and a process whose clock is past the lease retakes it.
      const later = senderJob({ ...t().deps, clock: () => new Date(Date.now() + 61_000) })
      expect(await later.tick()).toBeGreaterThanOrEqual(1)
      expect((await t().request('GET', `/v1/senders/${s.id}`, { key: apiKey })).body.data.state).toBe('IN_TEST')
    } finally {
      await job().start()
    }
  })
})
