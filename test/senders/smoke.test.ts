import { afterAll, beforeAll, expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { startEmulatorFor, type RunningEmulator } from '../helpers/whatsapp.js'
import { senderJob, type SenderJob } from '../../src/jobs/senders.js'
import { inState, senderBody, waitForSender } from './support.js'

forEachDatabase('senders smoke', (kind) => {
  const env: Record<string, string> = { SWITCHBOARD_SENDER_REVIEW_DELAY_MS: '5', SWITCHBOARD_SENDER_LAUNCH_DELAY_MS: '5' }
  let emu: RunningEmulator
  beforeAll(async () => {
    emu = await startEmulatorFor()
    env.SWITCHBOARD_EMULATOR_URL = emu.url
  })
  afterAll(() => emu.close())
  const t = useTestApp(kind, { env })
  let job: SenderJob
  beforeAll(async () => {
    job = senderJob(t().deps, { pollMs: 10 })
    await job.start()
  })
  afterAll(() => job.stop())

  it('goes from draft to launched', async () => {
    const { apiKey } = await t().seedBusiness()
    const c = await t().request('POST', '/v1/senders', { key: apiKey, body: senderBody() })
    expect(c.status, JSON.stringify(c.body)).toBe(201)
    const id = c.body.data.id
    const s = await t().request('POST', `/v1/senders/${id}/submit`, { key: apiKey })
    expect(s.status, JSON.stringify(s.body)).toBe(200)
    const inTest = await waitForSender(t(), apiKey, id, inState('IN_TEST', 'REJECTED'))
    expect(inTest.state, JSON.stringify(inTest)).toBe('IN_TEST')
    const l = await t().request('POST', `/v1/senders/${id}/launch`, { key: apiKey })
    expect(l.status, JSON.stringify(l.body)).toBe(200)
    const done = await waitForSender(t(), apiKey, id, inState('LAUNCHED', 'FAILED'))
    expect(done.state, JSON.stringify(done)).toBe('LAUNCHED')
    const ev = await t().request('GET', `/v1/senders/${id}/events`, { key: apiKey })
    console.log(JSON.stringify(ev.body.data.map((e: any) => `${e.from_state}->${e.to_state}`)), JSON.stringify(done))
  })
})
