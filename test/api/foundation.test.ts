import { expect, it } from 'vitest'
import { keyCacheChanges } from '../../src/services/api-keys.js'
import { forEachDatabase, startTestApp, useTestApp } from '../helpers/harness.js'
import { waitFor } from '../helpers/receiver.js'

forEachDatabase('foundation', (kind) => {
  const t = useTestApp(kind)

  it('answers health, readiness and metrics without a key', async () => {
    expect((await t().request('GET', '/healthz')).body).toEqual({ status: 'ok' })
    const ready = await t().request('GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ status: 'ready', migrations: 'applied' })
    const metrics = await t().request('GET', '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.body).toContain('switchboard_http_requests_total{method="GET",route="/healthz",status="200"}')
    expect(metrics.body).toContain('switchboard_http_request_duration_seconds_bucket')
  })

  it('puts a request id on every response, and keeps a sane one the client sent', async () => {
    const a = await t().request('GET', '/healthz')
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const b = await t().request('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } })
    expect(b.headers['x-request-id']).toBe('trace-123')
  })

  it('creates, lists and revokes API keys; the key is shown once and works at once', async () => {
    const { apiKey } = await t().seedBusiness()
    const created = await t().request('POST', '/v1/api-keys', { key: apiKey, body: { name: 'shop', scopes: ['contacts:read'] } })
    expect(created.status).toBe(201)
    expect(created.body.data.key).toMatch(/^sb_/)
    expect(created.body.data.scopes).toEqual(['contacts:read'])
    const list = await t().request('GET', '/v1/api-keys', { key: apiKey })
    expect(list.status).toBe(200)
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.data.id)
    expect(JSON.stringify(list.body)).not.toContain(created.body.data.key)
    const revoked = await t().request('DELETE', `/v1/api-keys/${created.body.data.id}`, { key: apiKey })
    expect(revoked.status).toBe(200)
    expect(revoked.body.data.revoked_at).toBeTruthy()
    const after = await t().request('GET', '/v1/api-keys', { key: created.body.data.key })
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('unauthorized')
  })

  it('a revocation on one process is announced to the others, which drop their cached keys', async () => {
    const { apiKey } = await t().seedBusiness()
    const created = await t().request('POST', '/v1/api-keys', { key: apiKey, body: { name: 'till', scopes: ['contacts:read'] } })
    const heard: string[] = []
    // Servers follow this channel (jobs/cache-followers.ts); this listener only lets the test see it.
    const unlisten = await t().deps.store.database.listen(keyCacheChanges.channel, (p) => heard.push(p))
    const other = await startTestApp(kind, { sameDatabaseAs: t() })
    try {
      expect((await other.request('DELETE', `/v1/api-keys/${created.body.data.id}`, { key: apiKey })).status).toBe(200)
      await waitFor(async () => heard.length >= 1 || null, 5_000, 'the revocation announced')
      expect((await t().request('GET', '/v1/contacts', { key: created.body.data.key })).status).toBe(401)
    } finally {
      await unlisten()
      await other.close()
    }
  })

  it('401 without a key, with an unknown key, by header or bearer', async () => {
    const none = await t().request('GET', '/v1/api-keys')
    expect(none.status).toBe(401)
    expect(none.body).toEqual({
      message: 'This endpoint needs an API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
      error: { code: 'unauthorized', details: {} },
    })
    const bad = await t().request('GET', '/v1/api-keys', { key: 'sb_nope' })
    expect(bad.status).toBe(401)
    expect(bad.body.message).toMatch(/not valid or has been revoked/)
    const { apiKey } = await t().seedBusiness()
    const viaHeader = await t().request('GET', '/v1/api-keys', { headers: { 'x-api-key': apiKey } })
    expect(viaHeader.status).toBe(200)
  })

  it('403 names the missing scope', async () => {
    const { businessId } = await t().seedBusiness()
    const key = await t().keyWith(businessId, ['contacts:read'])
    const res = await t().request('GET', '/v1/api-keys', { key })
    expect(res.status).toBe(403)
    expect(res.body.error).toEqual({ code: 'forbidden', details: { required_scope: 'admin' } })
    expect(res.body.message).toContain('"admin"')
  })

  it('404 for another business’s key id, never revealing it exists', async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    const created = await t().request('POST', '/v1/api-keys', { key: a.apiKey, body: { name: 'x', scopes: ['admin'] } })
    const res = await t().request('DELETE', `/v1/api-keys/${created.body.data.id}`, { key: b.apiKey })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
    const still = await t().request('GET', '/v1/api-keys', { key: created.body.data.key })
    expect(still.status).toBe(200)
  })

  it('400 validation_failed lists every bad field by path', async () => {
    const { apiKey } = await t().seedBusiness()
    const res = await t().request('POST', '/v1/api-keys', { key: apiKey, body: { scopes: ['nope'], extra: 1 } })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('validation_failed')
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field)
    expect(fields).toEqual(expect.arrayContaining(['name', 'extra', 'scopes[0]']))
    expect(res.body.message).toMatch(/^Some fields in the body are invalid: .*name is required/)
    const badId = await t().request('DELETE', '/v1/api-keys/not-a-uuid', { key: apiKey })
    expect(badId.status).toBe(400)
    expect(badId.body.error.details.fields).toEqual([{ field: 'id', problem: 'must be a valid uuid' }])
  })

  it('400 invalid_json, 413 payload_too_large, 415 unsupported_media_type, 404 unknown route', async () => {
    const { apiKey } = await t().seedBusiness()
    const badJson = await t().request('POST', '/v1/api-keys', { key: apiKey, raw: '{"name": ', headers: { 'content-type': 'application/json' } })
    expect(badJson.status).toBe(400)
    expect(badJson.body.error.code).toBe('invalid_json')
    const big = await t().request('POST', '/v1/api-keys', {
      key: apiKey,
      raw: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), scopes: ['admin'] }),
      headers: { 'content-type': 'application/json' },
    })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('payload_too_large')
    const xml = await t().request('POST', '/v1/api-keys', { key: apiKey, raw: '<a/>', headers: { 'content-type': 'application/xml' } })
    expect(xml.status).toBe(415)
    expect(xml.body.error.code).toBe('unsupported_media_type')
    const missing = await t().request('GET', '/v1/nothing-here', { key: apiKey })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
  })

  it('Idempotency-Key: replays the first response, refuses another body, and refuses while in progress', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const body = { name: 'idem', scopes: ['contacts:read'] }
    const first = await t().request('POST', '/v1/api-keys', { key: apiKey, body, headers: { 'idempotency-key': 'k-1' } })
    const second = await t().request('POST', '/v1/api-keys', { key: apiKey, body, headers: { 'idempotency-key': 'k-1' } })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.headers['idempotent-replayed']).toBe('true')
    expect(second.body.data.id).toBe(first.body.data.id)
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    const keys = (await t().request('GET', '/v1/api-keys', { key: apiKey })).body.data
    expect(keys.filter((k: { name: string }) => k.name === 'idem')).toHaveLength(1)

    const other = await t().request('POST', '/v1/api-keys', { key: apiKey, body: { ...body, name: 'other' }, headers: { 'idempotency-key': 'k-1' } })
    expect(other.status).toBe(409)
    expect(other.body.error.code).toBe('idempotency_key_reused')

    // A request holding the key (another process, mid-flight) makes a concurrent duplicate wait its turn.
    const now = new Date()
    const hashSource = await t().request('POST', '/v1/api-keys', { key: apiKey, body, headers: { 'idempotency-key': 'k-2' } })
    expect(hashSource.status).toBe(201)
    await t().deps.store.idempotency.release(businessId, 'k-2')
    await t().deps.store.tx(async (s) => {
      await s.idempotency.claim({ businessId, key: 'k-3', requestHash: 'x', now, lockedUntil: new Date(now.getTime() + 60_000), expiresAt: new Date(now.getTime() + 86_400_000) })
    })
    const racing = await t().request('POST', '/v1/api-keys', { key: apiKey, body, headers: { 'idempotency-key': 'k-3' } })
    expect(racing.status).toBe(409)
    expect(['idempotency_key_in_progress', 'idempotency_key_reused']).toContain(racing.body.error.code)
  })

  it('concurrent retries with one key create exactly one resource', async () => {
    const { apiKey } = await t().seedBusiness()
    const body = { name: 'race', scopes: ['contacts:read'] }
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t().request('POST', '/v1/api-keys', { key: apiKey, body, headers: { 'idempotency-key': 'race-1' } })),
    )
    const statuses = results.map((r) => r.status)
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true)
    const keys = (await t().request('GET', '/v1/api-keys', { key: apiKey })).body.data
    expect(keys.filter((k: { name: string }) => k.name === 'race')).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.error.code).toBe('idempotency_key_in_progress')
  })
})

forEachDatabase('rate limit', (kind) => {
  const t = useTestApp(kind, { env: { SWITCHBOARD_RATE_LIMIT: '5' } })

  it('429 rate_limited with Retry-After once a key exceeds its requests per second', async () => {
    const { apiKey } = await t().seedBusiness()
    // Pin the requests into one second so the window cannot roll over mid-test.
    const results = await Promise.all(Array.from({ length: 12 }, () => t().request('GET', '/v1/api-keys', { key: apiKey })))
    const limited = results.filter((r) => r.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    expect(limited[0].headers['retry-after']).toBe('1')
    expect(limited[0].body.error.code).toBe('rate_limited')
    expect(limited[0].body.message).toMatch(/5 requests per second/)
  })
})
