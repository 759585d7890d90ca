import { afterEach, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { validateMetaWebhook } from '../helpers/meta-spec.js'
import { BIZ, CUSTOMER, startRig, verifySignature, waitFor, wamidOf, type Rig } from './support.js'

describe('webhook delivery', () => {
  let rig: Rig | undefined
  afterEach(async () => { await rig?.close(); rig = undefined })

  test('a receiver answering 500 gets the same signed bytes again (retries with backoff), then it stops', async () => {
    rig = await startRig({ config: { webhook_retry_base_ms: 10, webhook_max_attempts: 3 } })
    const r = rig
    await r.register()
    let failuresLeft = 2
    r.hook.respond = () => (failuresLeft-- > 0 ? 500 : 200)
    const inbound = await r.customerWrites({ type: 'text', text: 'hi' })
    const copies = await waitFor('three deliveries', () => {
      const c = r.hook.received.filter((p) => p.raw.includes(String(inbound.wamid)))
      return c.length >= 3 && c
    })
    assert.equal(new Set(copies.map((c) => c.raw)).size, 1, 'every attempt carries the very same body')
    for (const c of copies) assert.ok(verifySignature(c, BIZ.secret))
    const stats = await waitFor('stats', async () => {
      const s = (await r.control('GET', '/_emulator/stats')).body.webhooks as Record<string, number>
      return s.delivered >= 1 && s
    })
    assert.ok(stats.retried >= 2)
    assert.ok(stats.posted >= 3)

    // Always failing: max 3 attempts, then the emulator gives up.
    r.hook.respond = () => 503
    const second = await r.customerWrites({ type: 'text', text: 'again' })
    await waitFor('give up', async () => ((await r.control('GET', '/_emulator/stats')).body.webhooks as Record<string, number>).gave_up >= 1)
    assert.equal(r.hook.received.filter((p) => p.raw.includes(String(second.wamid))).length, 3)
  })

  test('an unreachable receiver is retried, not fatal', async () => {
    rig = await startRig({ config: { webhook_retry_base_ms: 5, webhook_max_attempts: 2, webhook_timeout_ms: 500 } })
    await rig.register(BIZ, { webhook_url: 'http://127.0.0.1:9/nothing-listens' })
    await rig.customerWrites({ type: 'text', text: 'hi' })
    const r = rig
    await waitFor('gave up', async () => ((await r.control('GET', '/_emulator/stats')).body.webhooks as Record<string, number>).gave_up >= 1)
  })

  test('with webhook_batch_ms, statuses due together for one number travel in one POST', async () => {
    rig = await startRig({ config: { webhook_batch_ms: 200, status_delays_ms: { sent: 1, delivered: 2, read: 3 } } })
    const r = rig
    await r.register()
    await r.customerWrites({ type: 'text', text: 'hi' })
    const wamids: string[] = []
    for (let i = 0; i < 20; i++) wamids.push(wamidOf((await r.send({ to: CUSTOMER, type: 'text', text: { body: `m${i}` } })).body))
    await waitFor('all read', () => wamids.every((w) => r.hook.statuses(w).some((s) => s.status === 'read')))
    const statusPosts = r.hook.received.filter((p) => p.json.entry[0].changes[0].value.statuses)
    const total = statusPosts.reduce((n, p) => n + (p.json.entry[0].changes[0].value.statuses?.length ?? 0), 0)
    assert.equal(total, 60)
    assert.ok(statusPosts.length < 60, `expected batching, got ${statusPosts.length} posts for 60 statuses`)
    assert.ok(statusPosts.some((p) => (p.json.entry[0].changes[0].value.statuses?.length ?? 0) > 1))
    for (const p of statusPosts) {
      assert.ok(verifySignature(p, BIZ.secret))
      assert.deepEqual(validateMetaWebhook(p.json), [])
    }
    for (const w of wamids) assert.deepEqual(r.hook.statuses(w).map((s) => s.status), ['sent', 'delivered', 'read'])

    // Customer messages batch too, with one contacts entry per customer.
    const a = await r.customerWrites({ type: 'text', text: 'one' }, '+15550000001')
    const b = await r.customerWrites({ type: 'text', text: 'two' }, '+15550000002')
    const c = await r.customerWrites({ type: 'text', text: 'three' }, '+15550000001')
    await waitFor('inbound batch', () => [a, b, c].every((x) => r.hook.messages().some((m) => m.id === x.wamid)))
    const post = r.hook.received.find((p) => p.json.entry[0].changes[0].value.messages?.some((m) => m.id === c.wamid))
    assert.ok(post)
    const value = post.json.entry[0].changes[0].value
    if ((value.messages?.length ?? 0) === 3) assert.equal(value.contacts?.length, 2)
    assert.deepEqual(validateMetaWebhook(post.json), [])
  })
})
