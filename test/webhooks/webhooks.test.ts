import { afterAll, beforeAll, expect, it } from 'vitest'
import { verifySignature } from '../../src/domain/webhook-signature.js'
import { startWebhookDeliverer, type Deliverer } from '../../src/jobs/webhook-deliverer.js'
import { emitEvent, subscriberCacheChanges } from '../../src/services/events.js'
import { forEachDatabase, startTestApp, useTestApp } from '../helpers/harness.js'
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js'

forEachDatabase('outbound webhooks', (kind) => {
  const t = useTestApp(kind, {
    env: { SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1', SWITCHBOARD_WEBHOOK_RETRY_BASE_MS: '40', SWITCHBOARD_WEBHOOK_GIVE_UP_MS: '60000' },
  })
  let receiver: Receiver
  let deliverer: Deliverer
  beforeAll(async () => {
    receiver = await startReceiver()
    deliverer = await startWebhookDeliverer(t().deps)
  })
  afterAll(async () => {
    await deliverer?.stop()
    await receiver?.close()
  })

  async function endpoint(key: string, path: string, events: string[] = ['*']) {
    const res = await t().request('POST', '/v1/webhooks', { key, body: { url: receiver.url + path, events } })
    expect(res.status).toBe(201)
    return res.body.data as { id: string; secret: string }
  }

  it('an endpoint created, changed or deleted on one process is announced to the others, which drop their cached subscriber lists', async () => {
    const { apiKey } = await t().seedBusiness()
    const heard: string[] = []
    // Servers follow this channel (jobs/cache-followers.ts); this listener only lets the test see it.
    const unlisten = await t().deps.store.database.listen(subscriberCacheChanges.channel, (p) => heard.push(p))
    const other = await startTestApp(kind, { sameDatabaseAs: t(), env: { SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1' } })
    try {
      const created = await other.request('POST', '/v1/webhooks', { key: apiKey, body: { url: `${receiver.url}/elsewhere`, events: ['*'] } })
      expect(created.status).toBe(201)
      await waitFor(async () => heard.length >= 1 || null, 5_000, 'the creation announced')
      const changed = await other.request('PATCH', `/v1/webhooks/${created.body.data.id}`, { key: apiKey, body: { events: ['message.received'] } })
      expect(changed.status).toBe(200)
      await waitFor(async () => heard.length >= 2 || null, 5_000, 'the change announced')
      expect((await other.request('DELETE', `/v1/webhooks/${created.body.data.id}`, { key: apiKey })).status).toBe(200)
      await waitFor(async () => heard.length >= 3 || null, 5_000, 'the deletion announced')
    } finally {
      await unlisten()
      await other.close()
    }
  })

  it('creates an endpoint: the secret is shown once and never listed', async () => {
    const { apiKey } = await t().seedBusiness()
    const ep = await endpoint(apiKey, '/a', ['message.received'])
    expect(ep.secret).toMatch(/^whsec_/)
    const list = await t().request('GET', '/v1/webhooks', { key: apiKey })
    expect(list.body.data).toHaveLength(1)
    expect(JSON.stringify(list.body)).not.toContain(ep.secret)
  })

  it('refuses bad URLs and unknown events, listing each', async () => {
    const { apiKey } = await t().seedBusiness()
    const ftp = await t().request('POST', '/v1/webhooks', { key: apiKey, body: { url: 'ftp://example.com/x', events: ['*'] } })
    expect(ftp.status).toBe(400)
    expect(ftp.body.error.details.fields).toEqual([{ field: 'url', problem: 'uses ftp, not http(s)' }])
    const junk = await t().request('POST', '/v1/webhooks', { key: apiKey, body: { url: 'not a url', events: ['*'] } })
    expect(junk.body.error.details.fields).toEqual([{ field: 'url', problem: 'is not a valid URL' }])
    const ev = await t().request('POST', '/v1/webhooks', { key: apiKey, body: { url: 'https://example.com/h', events: ['message.received', 'nope'] } })
    expect(ev.status).toBe(400)
    expect(ev.body.error.details.fields).toEqual([{ field: 'events[1]', problem: '"nope" is not an event type' }])
  })

  it('delivers a signed ping that verifies with the secret, with a stable event id', async () => {
    const { apiKey } = await t().seedBusiness()
    const ep = await endpoint(apiKey, '/ping')
    const before = receiver.received.length
    const res = await t().request('POST', `/v1/webhooks/${ep.id}/test`, { key: apiKey })
    expect(res.status).toBe(202)
    const got = await waitFor(() => receiver.received.slice(before).find((r) => JSON.parse(r.body).type === 'ping'))
    const body = JSON.parse(got.body)
    expect(body).toMatchObject({ type: 'ping', data: { endpoint_id: ep.id } })
    expect(got.headers['switchboard-event-id']).toBe(body.id)
    expect(verifySignature(got.headers['switchboard-signature'] as string, got.body, ep.secret)).toEqual({ ok: true })
    expect(verifySignature(got.headers['switchboard-signature'] as string, got.body, 'whsec_other').ok).toBe(false)
  })

  it('retries after the receiver comes back, with the same event id; the log shows every attempt', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const ep = await endpoint(apiKey, '/flaky', ['contact.created'])
    const start = receiver.received.length
    receiver.respond = (n) => (n - start <= 2 ? 503 : 200)
    await t().deps.store.tx((s) => emitEvent(s, { businessId, type: 'contact.created', data: { id: 'c1' }, at: new Date() }))
    await t().deps.store.database.notify('sb_webhooks', '')
    await waitFor(() => receiver.received.length - start >= 3, 15_000, 'three attempts')
    receiver.respond = () => 200
    const ids = receiver.received.slice(start, start + 3).map((r) => r.headers['switchboard-event-id'])
    expect(new Set(ids).size).toBe(1)
    const log = await waitFor(async () => {
      const r = await t().request('GET', `/v1/webhooks/${ep.id}/deliveries`, { key: apiKey })
      return r.body.data[0]?.status === 'succeeded' ? r.body.data : null
    })
    expect(log[0].attempts).toBe(3)
    expect(log[0].attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([503, 503, 200])
    expect(log[0].event_type).toBe('contact.created')
  })

  it('only endpoints subscribed to the type receive it', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const a = await endpoint(apiKey, '/only-status', ['message.status'])
    await t().deps.store.tx((s) => emitEvent(s, { businessId, type: 'contact.updated', data: {}, at: new Date() }))
    const res = await t().request('GET', `/v1/webhooks/${a.id}/deliveries`, { key: apiKey })
    expect(res.body.data).toHaveLength(0)
  })

  it('deliveries left pending survive a restart of the deliverer', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    await deliverer.stop()
    const ep = await endpoint(apiKey, '/restart', ['template.status'])
    const start = receiver.received.length
    await t().deps.store.tx((s) => emitEvent(s, { businessId, type: 'template.status', data: { name: 'x' }, at: new Date() }))
    await new Promise((r) => setTimeout(r, 100))
    expect(receiver.received.length).toBe(start)
    deliverer = await startWebhookDeliverer(t().deps)
    await waitFor(() => receiver.received.slice(start).some((r) => JSON.parse(r.body).type === 'template.status'))
    const log = await waitFor(async () => {
      const r = await t().request('GET', `/v1/webhooks/${ep.id}/deliveries`, { key: apiKey })
      return r.body.data[0]?.status === 'succeeded' ? r.body.data : null
    })
    expect(log).toHaveLength(1)
  })

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const { apiKey } = await t().seedBusiness()
    const ep = await endpoint(apiKey, '/redirect')
    const start = receiver.received.length
    receiver.respond = (n) => (n - start === 1 ? { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } } : 200)
    await t().request('POST', `/v1/webhooks/${ep.id}/test`, { key: apiKey })
    const log = await waitFor(async () => {
      const r = await t().request('GET', `/v1/webhooks/${ep.id}/deliveries`, { key: apiKey })
      return r.body.data[0]?.status === 'succeeded' ? r.body.data : null
    })
    receiver.respond = () => 200
    expect(log[0].attempt_log[0]).toMatchObject({ status_code: 302, error: 'redirect (302) not followed' })
  })

  it('rotating the secret signs with both for a day; redeliver sends again', async () => {
    const { apiKey } = await t().seedBusiness()
    const ep = await endpoint(apiKey, '/rotate')
    const rotated = await t().request('PATCH', `/v1/webhooks/${ep.id}`, { key: apiKey, body: { rotate_secret: true } })
    expect(rotated.status).toBe(200)
    const newSecret = rotated.body.data.secret as string
    expect(newSecret).not.toBe(ep.secret)
    expect(rotated.body.data.previous_secret_expires_at).toBeTruthy()
    const start = receiver.received.length
    await t().request('POST', `/v1/webhooks/${ep.id}/test`, { key: apiKey })
    const got = await waitFor(() => receiver.received.slice(start).find((r) => JSON.parse(r.body).type === 'ping'))
    const header = got.headers['switchboard-signature'] as string
    expect(verifySignature(header, got.body, newSecret).ok).toBe(true)
    expect(verifySignature(header, got.body, ep.secret).ok).toBe(true)

    const deliveries = await waitFor(async () => {
      const r = await t().request('GET', `/v1/webhooks/${ep.id}/deliveries`, { key: apiKey })
      return r.body.data[0]?.status === 'succeeded' ? r.body.data : null
    })
    const again = await t().request('POST', `/v1/webhooks/${ep.id}/deliveries/${deliveries[0].id}/redeliver`, { key: apiKey })
    expect(again.status).toBe(202)
    await waitFor(() => receiver.received.filter((r) => r.headers['switchboard-event-id'] === got.headers['switchboard-event-id']).length >= 2)
  })

  it('404 for another business’s endpoint on every route', async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    const ep = await endpoint(a.apiKey, '/iso')
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${ep.id}`],
      ['PATCH', `/v1/webhooks/${ep.id}`],
      ['DELETE', `/v1/webhooks/${ep.id}`],
      ['GET', `/v1/webhooks/${ep.id}/deliveries`],
      ['POST', `/v1/webhooks/${ep.id}/test`],
    ] as const) {
      const res = await t().request(method, path, { key: b.apiKey, body: method === 'PATCH' ? { enabled: false } : undefined })
      expect(res.status, `${method} ${path}`).toBe(404)
    }
  })
})

forEachDatabase('outbound webhooks that keep failing', (kind) => {
  const t = useTestApp(kind, {
    env: { SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1', SWITCHBOARD_WEBHOOK_RETRY_BASE_MS: '30', SWITCHBOARD_WEBHOOK_GIVE_UP_MS: '1000' },
  })
  it('are given up after the retry period, and the endpoint is disabled saying why', async () => {
    const receiver = await startReceiver()
    receiver.respond = () => 500
    const deliverer = await startWebhookDeliverer(t().deps)
    try {
      const { apiKey } = await t().seedBusiness()
      const ep = (await t().request('POST', '/v1/webhooks', { key: apiKey, body: { url: receiver.url, events: ['*'] } })).body.data
      await t().request('POST', `/v1/webhooks/${ep.id}/test`, { key: apiKey })
      const disabled = await waitFor(async () => {
        const r = await t().request('GET', `/v1/webhooks/${ep.id}`, { key: apiKey })
        return r.body.data.status === 'disabled' ? r.body.data : null
      })
      expect(disabled.disabled_reason).toMatch(/kept failing .* \(last: HTTP 500\); fix the receiver and enable the endpoint again/)
      const log = await t().request('GET', `/v1/webhooks/${ep.id}/deliveries`, { key: apiKey })
      expect(log.body.data[0].status).toBe('failed')
      expect(log.body.data[0].attempts).toBeGreaterThan(1)
    } finally {
      await deliverer.stop()
      await receiver.close()
    }
  })
})

forEachDatabase('webhook SSRF protection', (kind) => {
  const t = useTestApp(kind)
  it.each(['http://127.0.0.1:9000/h', 'http://localhost/h', 'http://10.0.0.5/h', 'http://[::1]/h', 'http://169.254.169.254/latest/meta-data'])(
    'refuses %s unless private webhooks are allowed',
    async (url) => {
      const { apiKey } = await t().seedBusiness()
      const res = await t().request('POST', '/v1/webhooks', { key: apiKey, body: { url, events: ['*'] } })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('webhook_url_not_allowed')
      expect(res.body.message).toMatch(/may not point at loopback or private networks/)
    },
  )
})
