import assert from 'node:assert/strict'
import { test } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { credentialsFor, getNumber, markDisconnected, resolveSendingNumber } from '../../src/services/numbers.js'

const body = (over: Record<string, unknown> = {}) => ({
  display_phone_number: '+1 415 555 0123',
  name: 'Support',
  phone_number_id: String(100000000000000 + Math.floor(Math.random() * 1e12)),
  waba_id: '419561257915477',
  access_token: 'EAAG-secret-token',
  app_secret: 'the-app-secret',
  verify_token: 'the-verify-token',
  ...over,
})

forEachDatabase('numbers', (kind) => {
  const t = useTestApp(kind)

  test('connect: defaults, E.164, first number is default, secrets never returned', async () => {
    const { apiKey } = await t().seedBusiness()
    const res = await t().request('POST', '/v1/numbers', { key: apiKey, body: body() })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const n = res.body.data
    assert.equal(n.display_phone_number, '+14155550123')
    assert.equal(n.graph_base_url, 'https://graph.facebook.com')
    assert.equal(n.graph_version, 'v23.0')
    assert.equal(n.throughput_mps, 80)
    assert.equal(n.is_default, true)
    assert.equal(n.status, 'connected')
    assert.equal(n.has_verify_token, true)
    for (const r of [res, await t().request('GET', `/v1/numbers/${n.id}`, { key: apiKey }), await t().request('GET', '/v1/numbers', { key: apiKey })]) {
      const text = JSON.stringify(r.body)
      for (const s of ['EAAG-secret-token', 'the-app-secret', 'the-verify-token', 'access_token', 'app_secret']) assert.ok(!text.includes(s), `${s} leaked`)
    }
    // Stored encrypted, decrypted for the adapter.
    const rows = await t().deps.store.numbers.list(n.business_id)
    assert.ok(!rows[0].accessTokenEnc.includes('EAAG'))
    assert.equal(credentialsFor(t().deps, rows[0]).accessToken, 'EAAG-secret-token')
  })

  test('a second default moves the default; the old one is unset', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const a = (await t().request('POST', '/v1/numbers', { key: apiKey, body: body() })).body.data
    const b = (await t().request('POST', '/v1/numbers', { key: apiKey, body: body({ display_phone_number: '+16505550100' }) })).body.data
    assert.equal(b.is_default, false)
    const c = await t().request('POST', '/v1/numbers', { key: apiKey, body: body({ display_phone_number: '+12025550188', is_default: true }) })
    assert.equal(c.body.data.is_default, true)
    const list = (await t().request('GET', '/v1/numbers', { key: apiKey })).body.data as Array<{ id: string; is_default: boolean }>
    assert.deepEqual(list.map((n) => n.is_default), [false, false, true])
    const p = await t().request('PATCH', `/v1/numbers/${a.id}`, { key: apiKey, body: { is_default: true } })
    assert.equal(p.body.data.is_default, true)
    assert.equal((await resolveSendingNumber(t().deps, businessId)).id, a.id)
    assert.equal((await resolveSendingNumber(t().deps, businessId, b.id)).id, b.id)
    const off = await t().request('PATCH', `/v1/numbers/${a.id}`, { key: apiKey, body: { is_default: false } })
    assert.equal(off.status, 422)
    assert.equal(off.body.error.code, 'default_number_required')
    // Deleting the default promotes the oldest remaining number.
    const d = await t().request('DELETE', `/v1/numbers/${a.id}`, { key: apiKey })
    assert.equal(d.status, 200)
    assert.equal((await resolveSendingNumber(t().deps, businessId)).id, b.id)
  })

  test('validation errors say what to fix', async () => {
    const { apiKey } = await t().seedBusiness()
    const r1 = await t().request('POST', '/v1/numbers', { key: apiKey, body: { name: 'x' } })
    assert.equal(r1.status, 400)
    assert.equal(r1.body.error.code, 'validation_failed')
    const fields = (r1.body.error.details.fields as Array<{ field: string }>).map((f) => f.field).sort()
    assert.deepEqual(fields, ['access_token', 'app_secret', 'display_phone_number', 'phone_number_id', 'waba_id'])
    const r2 = await t().request('POST', '/v1/numbers', {
      key: apiKey,
      body: body({ display_phone_number: '555-0123', phone_number_id: 'abc', graph_version: '23', graph_base_url: 'ftp://x' }),
    })
    assert.equal(r2.status, 400)
    assert.equal(
      r2.body.message,
      'Some fields in the body are invalid: display_phone_number has no country code; start it with + and the country code, such as +14155550123; ' +
        "phone_number_id must be Meta's numeric phone number id; graph_base_url must be an http(s) URL without query string, such as https://graph.facebook.com; " +
        'graph_version must look like v23.0. Fix them and try again.',
    )
    const dup = body()
    assert.equal((await t().request('POST', '/v1/numbers', { key: apiKey, body: dup })).status, 201)
    const r3 = await t().request('POST', '/v1/numbers', { key: apiKey, body: dup })
    assert.equal(r3.status, 409)
    assert.equal(r3.body.error.code, 'number_exists')
    const r4 = await t().request('POST', '/v1/numbers', { key: apiKey, body: body({ secret_extra: 1 }) })
    assert.equal(r4.status, 400)
    assert.match(r4.body.message, /secret_extra is not a known field/)
  })

  test('no number: sends get a 422 that says how to connect one', async () => {
    const { businessId } = await t().seedBusiness()
    await assert.rejects(resolveSendingNumber(t().deps, businessId), (e: Error & { code?: string }) => e.code === 'no_number')
    await assert.rejects(resolveSendingNumber(t().deps, businessId, '0190b1a0-0000-7000-8000-000000000000'), (e: Error & { code?: string }) => e.code === 'not_found')
  })

  test("tenant isolation: another business's key gets 404; scopes are enforced", async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    const n = (await t().request('POST', '/v1/numbers', { key: a.apiKey, body: body() })).body.data
    for (const [m, extra] of [['GET', {}], ['PATCH', { body: { name: 'mine' } }], ['DELETE', {}]] as const) {
      const r = await t().request(m, `/v1/numbers/${n.id}`, { key: b.apiKey, ...extra })
      assert.equal(r.status, 404, m)
      assert.equal(r.body.error.code, 'not_found')
    }
    assert.deepEqual((await t().request('GET', '/v1/numbers', { key: b.apiKey })).body.data, [])
    const reader = await t().keyWith(a.businessId, ['numbers:read'])
    assert.equal((await t().request('GET', `/v1/numbers/${n.id}`, { key: reader })).status, 200)
    const w = await t().request('POST', '/v1/numbers', { key: reader, body: body() })
    assert.equal(w.status, 403)
    assert.equal(w.body.error.details.required_scope, 'numbers:write')
    const other = await t().keyWith(a.businessId, ['contacts:read'])
    assert.equal((await t().request('GET', '/v1/numbers', { key: other })).status, 403)
  })

  test('190 marks the number disconnected; a new token reconnects it', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const n = (await t().request('POST', '/v1/numbers', { key: apiKey, body: body() })).body.data
    await markDisconnected(t().deps, n.id, 'Meta error 190: the access token is invalid or expired')
    const g = await t().request('GET', `/v1/numbers/${n.id}`, { key: apiKey })
    assert.equal(g.body.data.status, 'disconnected')
    assert.match(g.body.data.status_reason, /190/)
    await assert.rejects(resolveSendingNumber(t().deps, businessId), (e: Error & { code?: string }) => e.code === 'number_disconnected')
    const p = await t().request('PATCH', `/v1/numbers/${n.id}`, { key: apiKey, body: { access_token: 'EAAG-new' } })
    assert.equal(p.body.data.status, 'connected')
    assert.equal(credentialsFor(t().deps, await getNumber(t().deps, businessId, n.id)).accessToken, 'EAAG-new')
  })
})
