import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { validateMetaError } from '../helpers/meta-spec.js'
import { BIZ, CUSTOMER, startRig, type Rig } from './support.js'

describe('rate limits and injected faults', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig()
    await rig.register()
  })
  afterAll(() => rig.close())

  const text = (to = CUSTOMER) => ({ to, type: 'text', text: { body: 'hi' } })

  test('above the number\'s throughput in one second: 130429, HTTP 400', async () => {
    await rig.register(BIZ, { throughput_mps: 3 })
    // However slow the machine, 3 sends per rolling second run out well before 200 quick calls do.
    let hit: Awaited<ReturnType<Rig['send']>> | undefined
    let accepted = 0
    for (let i = 0; i < 200 && !hit; i++) {
      const r = await rig.send(text())
      if (r.status === 200) accepted++
      else hit = r
    }
    assert.ok(hit, 'the limit was never hit')
    assert.ok(accepted >= 3)
    assert.equal(hit.status, 400)
    assert.equal(hit.body.error?.code, 130429)
    assert.match(String(hit.body.error?.message), /Rate limit hit/)
    assert.deepEqual(validateMetaError(hit.body), [])
    const stats = await rig.control('GET', '/_emulator/stats')
    assert.ok(Number((stats.body.rejected_sends as Record<string, number>)['130429']) >= 1)
    await rig.register(BIZ, { throughput_mps: null })
  })

  test('the business→customer pair limit: 131056 once the pair sent max_messages in the window', async () => {
    await rig.control('PATCH', '/_emulator/config', { pair_rate_limit: { max_messages: 2, per_seconds: 3600 } })
    assert.equal((await rig.send(text('+16505550101'))).status, 200)
    assert.equal((await rig.send(text('+16505550101'))).status, 200)
    const third = await rig.send(text('+16505550101'))
    assert.equal(third.status, 400)
    assert.equal(third.body.error?.code, 131056)
    assert.match(String(third.body.error?.message), /pair rate limit hit/)
    assert.deepEqual(validateMetaError(third.body), [])
    assert.equal((await rig.send(text('+16505550102'))).status, 200, 'another customer is unaffected')
    await rig.control('PATCH', '/_emulator/config', { pair_rate_limit: null })
    assert.equal((await rig.send(text('+16505550101'))).status, 200)
  })

  test('faults: the next N sends fail as configured, then sends succeed again', async () => {
    const set = await rig.control('POST', '/_emulator/faults', { count: 2, http_status: 503, code: 131016 })
    assert.equal(set.status, 200)
    // Mark-as-read does not consume a fault.
    assert.equal((await rig.send({ status: 'read', message_id: 'wamid.x' })).status, 200)
    for (let i = 0; i < 2; i++) {
      const r = await rig.send(text())
      assert.equal(r.status, 503)
      assert.equal(r.body.error?.code, 131016)
      assert.deepEqual(validateMetaError(r.body), [])
    }
    assert.equal((await rig.send(text())).status, 200)

    await rig.control('POST', '/_emulator/faults', { count: 1, http_status: 500 })
    const r = await rig.send(text())
    assert.equal(r.status, 500)
    assert.equal(r.body.error?.code, 131000, 'a 5xx without a code is Meta\'s generic "Something went wrong"')

    const bad = await rig.control('POST', '/_emulator/faults', { count: 1, http_status: 200 })
    assert.equal(bad.status, 400)
    assert.match(String(bad.body.message), /http_status/)
  })
})
