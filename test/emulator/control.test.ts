import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { runEmulator } from '../../src/emulator/main.js'
import { BIZ, CUSTOMER, startRig, waitFor, wamidOf, type Rig } from './support.js'

describe('control API', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig()
    await rig.register()
  })
  afterAll(() => rig.close())

  test('numbers: registration is validated, listed, and updated in place', async () => {
    const missing = await rig.control('PUT', '/_emulator/numbers/300', { display_phone_number: '+15550003000' })
    assert.equal(missing.status, 400)
    assert.match(String(missing.body.message), /waba_id is required/)
    const badId = await rig.control('PUT', '/_emulator/numbers/abc', {})
    assert.equal(badId.status, 400)
    const clash = await rig.control('PUT', '/_emulator/numbers/301', { display_phone_number: BIZ.display, waba_id: '1', access_token: 't', app_secret: 's' })
    assert.equal(clash.status, 409)
    const update = await rig.control('PUT', `/_emulator/numbers/${BIZ.phoneNumberId}`, { verified_name: 'Jaspers Market' })
    assert.equal(update.status, 200)
    const list = (await rig.control('GET', '/_emulator/numbers')).body.data as Array<{ phone_number_id: string; verified_name: string; access_token: string }>
    const n = list.find((x) => x.phone_number_id === BIZ.phoneNumberId)
    assert.equal(n?.verified_name, 'Jaspers Market')
    assert.equal(n?.access_token, BIZ.token, 'a partial update keeps the other fields')
  })

  test('config: PATCH merges, GET shows it, unknown or bad keys are refused with a reason', async () => {
    const r = await rig.control('PATCH', '/_emulator/config', { status_delays_ms: { read: 50 }, webhook_batch_ms: 0 })
    assert.equal(r.status, 200)
    const cfg = (await rig.control('GET', '/_emulator/config')).body as { status_delays_ms: Record<string, number> }
    assert.equal(cfg.status_delays_ms.read, 50)
    assert.equal(cfg.status_delays_ms.sent, 1)
    const unknown = await rig.control('PATCH', '/_emulator/config', { warp_speed: 9 })
    assert.equal(unknown.status, 400)
    assert.match(String(unknown.body.message), /Unknown config key "warp_speed"/)
    const bad = await rig.control('PATCH', '/_emulator/config', { default_throughput_mps: 0 })
    assert.equal(bad.status, 400)
    assert.match(String(bad.body.message), /default_throughput_mps/)
  })

  test('clock: set an offset, advance it, read it back', async () => {
    const set = await rig.control('POST', '/_emulator/clock', { offset_seconds: -60 })
    assert.equal(set.body.offset_seconds, -60)
    const adv = await rig.control('POST', '/_emulator/clock', { advance_seconds: 30 })
    assert.equal(adv.body.offset_seconds, -30)
    const got = await rig.control('GET', '/_emulator/clock')
    assert.equal(got.body.offset_seconds, -30)
    assert.ok(Math.abs(Date.parse(String(got.body.now)) - (Date.now() - 30_000)) < 60_000)
    assert.equal((await rig.control('POST', '/_emulator/clock', { offset_seconds: 'soon' })).status, 400)
    await rig.control('POST', '/_emulator/clock', { offset_seconds: 0 })
  })

  test('outbox filters by customer and number, newest last, with the body as sent', async () => {
    await rig.customerWrites({ type: 'text', text: 'hi' }, '+15557770001')
    const a = wamidOf((await rig.send({ to: '+15557770001', type: 'text', text: { body: 'first' } })).body)
    const b = wamidOf((await rig.send({ to: '+1 555 777 0001', type: 'text', text: { body: 'second' } })).body)
    await rig.send({ to: CUSTOMER, type: 'text', text: { body: 'someone else' } })
    const r = await rig.control('GET', `/_emulator/outbox?to=%2B15557770001&phone_number_id=${BIZ.phoneNumberId}`)
    const data = r.body.data as Array<{ wamid: string; body: { text: { body: string } }; status: string }>
    assert.deepEqual(data.map((e) => e.wamid), [a, b])
    assert.equal(data[1].body.text.body, 'second')
    assert.ok(['accepted', 'sent', 'delivered', 'read'].includes(data[0].status))
  })

  test('stats count accepted sends, rejections by code and the recent per-second rate', async () => {
    await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/messages`, { to: CUSTOMER })
    const stats = (await rig.control('GET', '/_emulator/stats')).body as {
      accepted_sends: number; rejected_sends: Record<string, number>; accepted_per_second_peak: number
      per_number: Record<string, { throughput_mps: number; peak_per_second: number; recent_percent_of_cap: number | null }>
      webhooks: Record<string, number>
    }
    assert.ok(stats.accepted_sends >= 3)
    assert.ok(stats.rejected_sends['100'] >= 1)
    assert.ok(stats.accepted_per_second_peak >= 1)
    assert.equal(stats.per_number[BIZ.phoneNumberId].throughput_mps, 100_000)
    assert.ok(typeof stats.webhooks.posted === 'number')
  })

  test('reset forgets everything (or everything but the numbers)', async () => {
    await rig.control('POST', '/_emulator/clock', { offset_seconds: 99 })
    const keep = await rig.control('POST', '/_emulator/reset', { keep_numbers: true })
    assert.equal(keep.status, 200)
    assert.equal(((await rig.control('GET', '/_emulator/numbers')).body.data as unknown[]).length, 1)
    assert.equal(((await rig.control('GET', '/_emulator/outbox')).body.data as unknown[]).length, 0)
    assert.equal((await rig.control('GET', '/_emulator/clock')).body.offset_seconds, 0)
    assert.equal((await rig.control('GET', '/_emulator/stats')).body.accepted_sends, 0)
    // The 24 h windows were forgotten too: free-form now fails.
    const w = wamidOf((await rig.send({ to: '+15557770001', type: 'text', text: { body: 'x' } })).body)
    await waitFor('failed', () => rig.hook.statuses(w).some((s) => s.status === 'failed'))
    await rig.control('POST', '/_emulator/reset', {})
    assert.equal(((await rig.control('GET', '/_emulator/numbers')).body.data as unknown[]).length, 0)
    await rig.register()
  })

  test('unknown paths: Graph-shaped 400 under a version, a control 404 under /_emulator', async () => {
    const graph = await rig.graph('POST', `/v23.0/${BIZ.phoneNumberId}/no_such_edge/deeper`, {})
    assert.equal(graph.status, 400)
    assert.equal(graph.body.error?.code, 2500)
    const control = await rig.control('DELETE', '/_emulator/clock')
    assert.equal(control.status, 404)
    assert.match(String(control.body.message), /No control route/)
  })

  test('GET / serves the phone page', async () => {
    const res = await fetch(rig.em.url + '/')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/html/)
    const html = await res.text()
    assert.match(html, /<title>WhatsApp emulator<\/title>/)
    assert.match(html, /\/_emulator\/outbox/)
    assert.ok(!/src="http/.test(html), 'self-contained: no external scripts')
  })

  test('runEmulator reads EMULATOR_PORT and EMULATOR_STATE_FILE', async () => {
    const bad = runEmulator({ EMULATOR_PORT: 'eighty' })
    await assert.rejects(bad, /EMULATOR_PORT must be a port number/)
    const log = console.log
    const lines: string[] = []
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')) }
    try {
      const em = await runEmulator({ EMULATOR_PORT: '0' })
      assert.match(lines.join('\n'), new RegExp(`listening on ${em.url.replace(/[.]/g, '\\.')}`))
      assert.equal((await fetch(em.url + '/_emulator/clock')).status, 200)
      await em.close()
    } finally {
      console.log = log
    }
  })
})
