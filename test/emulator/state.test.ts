import { afterAll, afterEach, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIZ, CUSTOMER, Receiver, startRig, waitFor, wamidOf, type Rig } from './support.js'

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-emulator-'))
  let rig: Rig | undefined
  afterEach(async () => { await rig?.close(); rig = undefined })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test('a restart keeps numbers, approved templates, media, windows, the clock offset and config', async () => {
    const stateFile = join(dir, 'state.json')
    const hook = new Receiver()
    await hook.start()
    rig = await startRig({ stateFile, saveDebounceMs: 5 })
    await rig.register(BIZ, { webhook_url: hook.url })
    await rig.graph('POST', `/v23.0/${BIZ.wabaId}/message_templates`, { name: 'kept', language: 'en_US', category: 'MARKETING', components: [{ type: 'BODY', text: 'Hi {{1}}' }] })
    const r1 = rig
    await waitFor('approved', async () => ((await r1.graph('GET', `/v23.0/${BIZ.wabaId}/message_templates?name=kept`)).body.data as Array<{ status: string }>)[0]?.status === 'APPROVED')
    await rig.control('PATCH', '/_emulator/config', { auto_read: false, webhook_batch_ms: 0 })
    await rig.control('POST', '/_emulator/clock', { offset_seconds: 3600 })
    const inbound = await rig.customerWrites({ type: 'image' })
    await rig.close()
    rig = undefined

    rig = await startRig({ stateFile })
    const numbers = (await rig.control('GET', '/_emulator/numbers')).body.data as Array<{ phone_number_id: string; webhook_url: string }>
    assert.deepEqual(numbers.map((n) => n.phone_number_id), [BIZ.phoneNumberId])
    assert.equal((await rig.control('GET', '/_emulator/clock')).body.offset_seconds, 3600)
    assert.equal((await rig.control('GET', '/_emulator/config')).body.auto_read, false)

    const send = await rig.send({ to: CUSTOMER, type: 'template', template: { name: 'kept', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ann' }] }] } })
    assert.equal(send.status, 200, JSON.stringify(send.body))
    // The window opened before the restart is still open: free-form is delivered, not failed.
    const free = wamidOf((await rig.send({ to: CUSTOMER, type: 'text', text: { body: 'still open' } })).body)
    await waitFor('delivered after restart', () => hook.statuses(free).some((s) => s.status === 'delivered'))
    assert.ok(!hook.statuses(free).some((s) => s.status === 'failed'))

    const info = await rig.graph('GET', `/v23.0/${String(inbound.media_id)}`)
    assert.equal(info.status, 200)
    const dl = await fetch(String(info.body.url), { headers: { authorization: `Bearer ${BIZ.token}` } })
    assert.equal(dl.status, 200)
    assert.ok((await dl.arrayBuffer()).byteLength > 0)
    await hook.stop()
  })

  test('a template still PENDING at shutdown is reviewed after the restart', async () => {
    const stateFile = join(dir, 'pending.json')
    rig = await startRig({ stateFile, config: { template_review_ms: 3_600_000 } })
    await rig.register()
    await rig.graph('POST', `/v23.0/${BIZ.wabaId}/message_templates`, { name: 'later', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'x' }] })
    await rig.control('PATCH', '/_emulator/config', { template_review_ms: 5 })
    await rig.close()
    rig = await startRig({ stateFile })
    const r = rig
    await waitFor('approved after restart', async () => ((await r.graph('GET', `/v23.0/${BIZ.wabaId}/message_templates?name=later`)).body.data as Array<{ status: string }>)[0]?.status === 'APPROVED')
  })

})
