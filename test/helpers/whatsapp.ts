// WhatsApp test helpers: a real emulator over HTTP and numbers connected to it.
//
//   const t = useTestApp(kind, { listen: true })          // the emulator posts webhooks to t().url
//   let emu: RunningEmulator
//   beforeAll(async () => { emu = await startEmulatorFor() })
//   afterAll(() => emu.close())
//   test('…', async () => {
//     const { businessId, apiKey } = await t().seedBusiness()
//     const num = await connectEmulatorNumber(t(), emu, businessId)   // { numberId, phoneNumberId, displayPhone, wabaId }
//     await customerWrites(emu, num, '+14155550123', { type: 'text', text: 'hi' })   // the emulator signs and posts it
//     await waitFor(async () => …)                                    // webhooks are asynchronous
//   })
//
// The number is created through the service (secrets sealed like any other) with graph_base_url = the
// emulator, so sends through the real Cloud adapter reach it, and registered in the emulator with the same
// token and app secret and webhook_url = `${t.url}/webhooks/whatsapp`.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startEmulator, type EmulatorConfig, type RunningEmulator } from '../../src/emulator/server.js'
import { createNumber, type NumberRow } from '../../src/services/numbers.js'
import type { TestApp } from './harness.js'

export type { RunningEmulator }

/** Fast status webhooks and retries, so tests do not wait on real-world delays. */
export const FAST_EMULATOR: Partial<EmulatorConfig> = {
  status_delays_ms: { sent: 5, delivered: 10, read: 15 },
  template_review_ms: 50,
  webhook_retry_base_ms: 50,
  webhook_timeout_ms: 5000,
}

export function startEmulatorFor(config: Partial<EmulatorConfig> = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, config: { ...FAST_EMULATOR, ...config } })
}

export interface EmulatorNumber {
  numberId: string
  phoneNumberId: string
  /** E.164, as stored and as customers address it in the emulator (`to`). */
  displayPhone: string
  wabaId: string
  accessToken: string
  appSecret: string
  verifyToken: string
  row: NumberRow
}

export interface ConnectOptions {
  name?: string
  isDefault?: boolean
  throughputMps?: number
  /** Register in the emulator with a different app secret than Switchboard has (signature failures). */
  emulatorAppSecret?: string
  /** Defaults to the test app's /webhooks/whatsapp; null registers no webhook. */
  webhookUrl?: string | null
  wabaId?: string
}

// Valid US numbers in the fictional 555-01xx range, across area codes, unique within this process.
const AREAS = ['201', '202', '212', '213', '305', '312', '415', '510', '617', '650', '702', '718', '805', '917']
let seq = randomBytes(2).readUInt16BE(0) % 700
export function nextDisplayPhone(): string {
  const n = seq++ % (AREAS.length * 100)
  return `+1${AREAS[Math.floor(n / 100)]}55501${String(n % 100).padStart(2, '0')}`
}
const digits = (len: number) => Array.from(randomBytes(len), (b) => String(b % 10)).join('').replace(/^0/, '1')

export async function connectEmulatorNumber(
  t: TestApp,
  emulator: RunningEmulator,
  businessId: string,
  opts: ConnectOptions = {},
): Promise<EmulatorNumber> {
  const phoneNumberId = digits(15)
  const wabaId = opts.wabaId ?? digits(15)
  const accessToken = `EAAG${randomBytes(16).toString('hex')}`
  const appSecret = randomBytes(16).toString('hex')
  const verifyToken = `verify-${randomBytes(6).toString('hex')}`
  const displayPhone = nextDisplayPhone()
  const row = await createNumber(t.deps, businessId, {
    displayPhoneNumber: displayPhone,
    name: opts.name ?? 'Emulator number',
    phoneNumberId,
    wabaId,
    accessToken,
    appSecret,
    verifyToken,
    graphBaseUrl: emulator.url,
    throughputMps: opts.throughputMps,
    isDefault: opts.isDefault,
  })
  if (opts.webhookUrl !== null && !t.url) throw new Error('connectEmulatorNumber: start the TestApp with { listen: true } so the emulator can post webhooks')
  const res = await fetch(`${emulator.url}/_emulator/numbers/${phoneNumberId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      display_phone_number: displayPhone,
      waba_id: wabaId,
      access_token: accessToken,
      app_secret: opts.emulatorAppSecret ?? appSecret,
      webhook_url: opts.webhookUrl === undefined ? `${t.url}/webhooks/whatsapp` : opts.webhookUrl,
      ...(opts.throughputMps ? { throughput_mps: opts.throughputMps } : {}),
    }),
  })
  if (!res.ok) throw new Error(`emulator refused the number: ${res.status} ${await res.text()}`)
  return { numberId: row.id, phoneNumberId, displayPhone, wabaId, accessToken, appSecret, verifyToken, row }
}

/** A customer writes in through the emulator's control API; resolves with the emulator's answer (wamid…). */
export async function customerWrites(
  emulator: RunningEmulator,
  num: Pick<EmulatorNumber, 'displayPhone'>,
  customerPhone: string,
  body: Record<string, unknown>,
): Promise<{ wamid: string; media_id?: string; timestamp: string }> {
  const res = await fetch(`${emulator.url}/_emulator/customers/${encodeURIComponent(customerPhone)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: num.displayPhone, ...body }),
  })
  const json = (await res.json()) as { wamid: string; media_id?: string; timestamp: string }
  if (!res.ok) throw new Error(`emulator refused the customer message: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** Polls `check` until it returns a truthy value (webhooks arrive asynchronously); fails after `ms`. */
/** Polls `check` until it answers; a heavy check gets a longer `everyMs`, so it does not slow down what it waits for. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms = 5000, what = 'condition', everyMs = 20): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** beforeAll/afterAll around one emulator for a describe block; call the getter in tests. */
export function useEmulator(config: Partial<EmulatorConfig> = {}): () => RunningEmulator {
  let emu: RunningEmulator | undefined
  beforeAll(async () => {
    emu = await startEmulatorFor(config)
  })
  afterAll(async () => {
    await emu?.close()
  })
  return () => {
    if (!emu) throw new Error('emulator not started')
    return emu
  }
}
