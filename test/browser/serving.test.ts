// The server side of the inbox: the page's routes never shadow the API, and /v1/live forwards only the
// caller's business's events (fed by LISTEN/NOTIFY, so any process's NOTIFY reaches it).
import assert from 'node:assert/strict'
import { beforeAll, test } from 'vitest'
import { notifyLive } from '../../src/services/live.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { ensureWebBuilt } from './support.js'

beforeAll(async () => {
  await ensureWebBuilt()
}, 120_000)

/** Reads server-sent events from a fetch body; `next()` resolves with the next event or fails after `ms`. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buf = ''
  return {
    async next(ms = 3000): Promise<{ event: string; data: Record<string, unknown> }> {
      const deadline = Date.now() + ms
      for (;;) {
        const end = buf.indexOf('\n\n')
        if (end >= 0) {
          const chunk = buf.slice(0, end)
          buf = buf.slice(end + 2)
          const lines = chunk.split('\n')
          const data = lines.find((l) => l.startsWith('data: '))
          if (!data) continue // a comment (heartbeat)
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message'
          return { event, data: JSON.parse(data.slice(6)) as Record<string, unknown> }
        }
        const left = deadline - Date.now()
        if (left <= 0) throw new Error('no event in time')
        const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), left))])
        if (r === null) throw new Error('no event in time')
        if (r.done) throw new Error('stream ended')
        buf += decoder.decode(r.value, { stream: true })
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  }
}

forEachDatabase('inbox serving and live events', (kind) => {
  const t = useTestApp(kind, { listen: true })

  test('page paths get the app; API, docs and file-looking paths keep their own answers', async () => {
    for (const path of ['/', '/inbox', '/inbox/0190c0de-0000-7000-8000-000000000000', '/settings/team']) {
      const res = await fetch(`${t().url}${path}`)
      assert.equal(res.status, 200, path)
      assert.match(res.headers.get('content-type') ?? '', /text\/html/)
      assert.match(await res.text(), /<div id="root"><\/div>/)
    }
    const api = await fetch(`${t().url}/v1/no-such-thing`)
    assert.equal(api.status, 404)
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'not_found')
    assert.equal((await fetch(`${t().url}/healthz`)).status, 200)
    assert.match((await (await fetch(`${t().url}/openapi.json`)).json() as { openapi: string }).openapi, /^3\./)
    assert.equal((await fetch(`${t().url}/assets/missing-abc123.js`)).status, 404)
    const index = await (await fetch(`${t().url}/`)).text()
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1]
    assert.ok(asset, 'index.html references its script')
    const js = await fetch(`${t().url}${asset}`)
    assert.equal(js.status, 200)
    assert.match(js.headers.get('cache-control') ?? '', /immutable/)
  })

  test('/v1/live needs a credential with messaging:conversations:read', async () => {
    const { businessId } = await t().seedBusiness()
    const none = await t().request('GET', '/v1/live')
    assert.equal(none.status, 401)
    const key = await t().keyWith(businessId, ['contacts:read'])
    const wrong = await t().request('GET', '/v1/live', { key })
    assert.equal(wrong.status, 403)
    assert.deepEqual(wrong.body.error, { code: 'forbidden', details: { required_scope: 'messaging:conversations:read' } })
  })

  test("/v1/live streams the caller's business's events and no one else's", async () => {
    const mine = await t().seedBusiness('Mine')
    const other = await t().seedBusiness('Other')
    const ctl = new AbortController()
    const res = await fetch(`${t().url}/v1/live`, { headers: { authorization: `Bearer ${mine.apiKey}` }, signal: ctl.signal })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
    const events = eventReader(res.body as ReadableStream<Uint8Array>)
    try {
      const ready = await events.next()
      assert.equal(ready.event, 'ready')
      assert.equal(ready.data.business_id, mine.businessId)
      await notifyLive(t().deps, { businessId: other.businessId, conversationId: 'c-other', kind: 'message.received' })
      await notifyLive(t().deps, { businessId: mine.businessId, conversationId: 'c-mine', kind: 'message.received' })
      // Raw NOTIFY from "another process", in the payload shape the inbound and status code use.
      const db = t().deps.store.database
      await db.notify('sb_events', JSON.stringify({ business_id: mine.businessId, conversation_id: 'c-2', kind: 'message.status' }))
      await db.notify('sb_events', 'not json')
      // notifyLive gathers notifications for a few milliseconds into one statement, so the raw NOTIFY
      // may arrive first: the two events in either order, and nothing of the other business.
      const got = [await events.next(), await events.next()].map((e) => `${e.event} ${e.data.conversation_id}`).sort()
      assert.deepEqual(got, ['message.received c-mine', 'message.status c-2'])
      await assert.rejects(events.next(400), /no event in time/)
    } finally {
      ctl.abort()
      await events.cancel()
    }
  })
})
