// Shared test rig: a real emulator on a random port and a real HTTP receiver for its webhooks.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import assert from 'node:assert/strict'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/server.js'

export interface Received {
  headers: IncomingHttpHeaders
  raw: string
  json: WebhookPayload
  at: number
}

export interface WebhookPayload {
  object: string
  entry: Array<{ id: string; time?: number; changes: Array<{ field: string; value: Record<string, unknown> & WebhookValue }> }>
}
export interface WebhookValue {
  metadata?: { display_phone_number: string; phone_number_id: string }
  statuses?: Array<Record<string, unknown> & { id: string; status: string; timestamp: string; recipient_id: string }>
  messages?: Array<Record<string, unknown> & { id: string; type: string; from: string; timestamp: string }>
  contacts?: Array<{ profile: { name: string }; wa_id: string }>
}

export class Receiver {
  received: Received[] = []
  /** Decides the HTTP status for each delivery; 200 unless a test says otherwise. */
  respond: (r: Received) => number = () => 200
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const r: Received = { headers: req.headers, raw, json: JSON.parse(raw) as WebhookPayload, at: Date.now() }
      this.received.push(r)
      res.statusCode = this.respond(r)
      res.end('ok')
    })
  })
  url = ''

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook`
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  statuses(wamid?: string): Array<NonNullable<WebhookValue['statuses']>[number]> {
    return this.received.flatMap((r) => r.json.entry.flatMap((e) => e.changes.flatMap((c) => c.value.statuses ?? [])))
      .filter((s) => !wamid || s.id === wamid)
  }

  messages(): Array<NonNullable<WebhookValue['messages']>[number]> {
    return this.received.flatMap((r) => r.json.entry.flatMap((e) => e.changes.flatMap((c) => c.value.messages ?? [])))
  }

  byField(field: string): Received[] {
    return this.received.filter((r) => r.json.entry.some((e) => e.changes.some((c) => c.field === field)))
  }
}

/** Polls until `check` returns a value (not undefined/false), or fails after a generous deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function verifySignature(r: Received, secret: string): boolean {
  const header = r.headers['x-hub-signature-256']
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false
  const expected = createHmac('sha256', secret).update(r.raw).digest()
  const got = Buffer.from(header.slice('sha256='.length), 'hex')
  return got.length === expected.length && timingSafeEqual(got, expected)
}

export interface Business {
  phoneNumberId: string
  display: string
  wabaId: string
  token: string
  secret: string
}

export const BIZ: Business = { phoneNumberId: '106540352242922', display: '+1 555-078-3881', wabaId: '419561257915477', token: 'EAAG-test-token', secret: 'app-secret-1' }
export const CUSTOMER = '+16505551234'
export const CUSTOMER_WA = '16505551234'

export interface Rig {
  em: RunningEmulator
  hook: Receiver
  graph(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: Record<string, unknown> & { error?: Record<string, unknown> } }>
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>
  register(b?: Business, extra?: Record<string, unknown>): Promise<void>
  customerWrites(body: Record<string, unknown>, phone?: string): Promise<Record<string, unknown>>
  send(body: Record<string, unknown>, b?: Business): Promise<{ status: number; body: Record<string, unknown> & { error?: Record<string, unknown> } }>
  close(): Promise<void>
}

/** Tiny delays keep the suite quick; every wait below polls a condition, so load only slows it. */
export const FAST: EmulatorOptions['config'] = {
  status_delays_ms: { sent: 1, delivered: 2, read: 3 },
  template_review_ms: 5,
  webhook_retry_base_ms: 20,
  // Tests send in bursts; the throughput test sets a small per-number cap of its own.
  default_throughput_mps: 100_000,
}

export async function startRig(opts: EmulatorOptions = {}): Promise<Rig> {
  const hook = new Receiver()
  await hook.start()
  const em = await startEmulator({ port: 0, ...opts, config: { ...FAST, ...opts.config } })
  const call = async (method: string, url: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(url, {
      method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : {} }
  }
  const rig: Rig = {
    em, hook,
    graph: (method, path, body, token = BIZ.token) => call(method, em.url + path, body, token === null ? {} : { authorization: `Bearer ${token}` }),
    control: (method, path, body) => call(method, em.url + path, body, {}),
    async register(b = BIZ, extra = {}) {
      const r = await rig.control('PUT', `/_emulator/numbers/${b.phoneNumberId}`, {
        display_phone_number: b.display, waba_id: b.wabaId, access_token: b.token, app_secret: b.secret, webhook_url: hook.url, ...extra,
      })
      assert.equal(r.status, 200, JSON.stringify(r.body))
    },
    async customerWrites(body, phone = CUSTOMER) {
      const r = await rig.control('POST', `/_emulator/customers/${encodeURIComponent(phone)}/messages`, { to: BIZ.display, name: 'Sheena Nelson', ...body })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      return r.body
    },
    send: (body, b = BIZ) => rig.graph('POST', `/v23.0/${b.phoneNumberId}/messages`, { messaging_product: 'whatsapp', recipient_type: 'individual', ...body }, b.token),
    async close() { await em.close(); await hook.stop() },
  }
  return rig
}

export const wamidOf = (body: Record<string, unknown>): string => {
  const messages = body.messages as Array<{ id: string }> | undefined
  assert.ok(messages?.[0]?.id, `no wamid in ${JSON.stringify(body)}`)
  return messages[0].id
}
