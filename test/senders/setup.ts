// One app per suite with a real emulator over HTTP and the senders job polling fast.
import { afterAll, beforeAll } from 'vitest'
import { useTestApp, type DbKind, type TestApp } from '../helpers/harness.js'
import { startEmulatorFor, type RunningEmulator } from '../helpers/whatsapp.js'
import { senderJob, type SenderJob } from '../../src/jobs/senders.js'

export interface SenderSuite {
  t: () => TestApp
  emulator: () => RunningEmulator
  job: () => SenderJob
}

/** Review and launch take a few ms; the job polls every 10 ms. `startJob: false` leaves the job stopped. */
export function useSenderSuite(kind: DbKind, opts: { startJob?: boolean; env?: Record<string, string> } = {}): SenderSuite {
  const env: Record<string, string> = {
    SWITCHBOARD_SENDER_REVIEW_DELAY_MS: '5',
    SWITCHBOARD_SENDER_LAUNCH_DELAY_MS: '5',
    ...opts.env,
  }
  let emu: RunningEmulator | undefined
  // Registered before useTestApp's hooks, so the emulator's URL is in env when the app reads its config.
  beforeAll(async () => {
    emu = await startEmulatorFor()
    env.SWITCHBOARD_EMULATOR_URL ??= emu.url
  })
  afterAll(async () => {
    await emu?.close()
  })
  const t = useTestApp(kind, { env, listen: true })
  let job: SenderJob | undefined
  beforeAll(async () => {
    job = senderJob(t().deps, { pollMs: 10 })
    if (opts.startJob !== false) await job.start()
  })
  // After hooks run in reverse: the job stops before the app and its database close.
  afterAll(async () => {
    await job?.stop()
  })
  return {
    t,
    emulator: () => {
      if (!emu) throw new Error('emulator not started')
      return emu
    },
    job: () => {
      if (!job) throw new Error('job not made')
      return job
    },
  }
}
