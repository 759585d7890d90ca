// Shared by the messaging tests: a business with an emulator number, a customer who writes in, an
// approved template, and waits on what the emulator and the webhooks do asynchronously.
import { sql, type SQL } from 'drizzle-orm'
import type { TestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, customerWrites, waitFor, type ConnectOptions, type EmulatorNumber, type RunningEmulator } from '../helpers/whatsapp.js'

export { sql, waitFor }

export async function rows<T = Record<string, unknown>>(t: TestApp, q: SQL): Promise<T[]> {
  const db = t.deps.store.database
  return db.rows<T>(db.db, q)
}

export interface Biz {
  businessId: string
  apiKey: string
  num: EmulatorNumber
}

export async function bizWithNumber(t: TestApp, emu: RunningEmulator, opts: ConnectOptions = {}): Promise<Biz> {
  const { businessId, apiKey } = await t.seedBusiness()
  const num = await connectEmulatorNumber(t, emu, businessId, opts)
  return { businessId, apiKey, num }
}

let phoneSeq = Math.floor(Math.random() * 5000)
/** A valid, unique customer phone (UK mobile range). */
export function customerPhone(): string {
  return `+4479111${String(phoneSeq++ % 100000).padStart(5, "0")}`
}

/** The customer writes (opening the window) and the conversation appears; returns its id. */
export async function customerConversation(t: TestApp, emu: RunningEmulator, b: Biz, phone = customerPhone(), text = 'Hello'): Promise<{ conversationId: string; phone: string; wamid: string }> {
  const r = await customerWrites(emu, b.num, phone, { type: 'text', text })
  const conversationId = await waitFor(
    async () => {
      const res = await t.request('GET', `/v1/messaging/conversations?search=${encodeURIComponent(phone.slice(1))}&number_id=${b.num.numberId}`, { key: b.apiKey })
      const c = res.body.data?.find((x: { customer_phone: string; last_inbound_at: string | null }) => x.customer_phone === phone && x.last_inbound_at)
      return c?.id as string | undefined
    },
    5000,
    'the inbound conversation',
  )
  // The message itself is stored in the same webhook ingest.
  await waitFor(async () => (await rows(t, sql`SELECT 1 FROM messages WHERE provider_message_id = ${r.wamid}`)).length > 0, 5000, 'the inbound message')
  return { conversationId, phone, wamid: r.wamid }
}

export async function setEmulatorClock(emu: RunningEmulator, offsetSeconds: number): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offset_seconds: offsetSeconds }) })
  if (!res.ok) throw new Error(`emulator clock: ${res.status}`)
}

export async function patchEmulatorConfig(emu: RunningEmulator, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/config`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) })
  if (!res.ok) throw new Error(`emulator config: ${res.status} ${await res.text()}`)
}

export async function emulatorStats(emu: RunningEmulator): Promise<{ accepted_sends: number; rejected_sends: Record<string, number>; async_failures: Record<string, number> }> {
  return (await fetch(`${emu.url}/_emulator/stats`)).json() as never
}

export interface OutboxEntry {
  wamid: string
  phone_number_id: string
  wa_id: string
  type: string
  body: Record<string, unknown>
  accepted_at: string
}

export async function emulatorOutbox(emu: RunningEmulator, q: { to?: string; phoneNumberId?: string } = {}): Promise<OutboxEntry[]> {
  const params = new URLSearchParams({ limit: '5000' })
  if (q.to) params.set('to', q.to)
  if (q.phoneNumberId) params.set('phone_number_id', q.phoneNumberId)
  const res = await fetch(`${emu.url}/_emulator/outbox?${params}`)
  return ((await res.json()) as { data: OutboxEntry[] }).data
}

/** Waits until the message's delivery_status is one of `statuses`; returns the message. */
export async function waitForMessage(t: TestApp, apiKey: string, conversationId: string, messageId: string, statuses: string[], ms = 8000) {
  return waitFor(
    async () => {
      const res = await t.request('GET', `/v1/messaging/conversations/${conversationId}/messages?page_size=200`, { key: apiKey })
      const m = res.body.data?.find((x: { id: string }) => x.id === messageId)
      return m && statuses.includes(m.delivery_status) ? m : null
    },
    ms,
    `message ${messageId} to be ${statuses.join('/')}`,
  )
}

/** Creates a template through the API and waits for the emulator's review (APPROVED unless the name starts with reject_). */
export async function approvedTemplate(t: TestApp, b: Biz, def: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const res = await t.request('POST', '/v1/templates', { key: b.apiKey, body: { language: 'en_US', category: 'UTILITY', ...def } })
  if (res.status !== 201) throw new Error(`template create failed: ${res.status} ${JSON.stringify(res.body)}`)
  const id = res.body.data.id as string
  const status = await waitFor(async () => {
    const r = await t.request('GET', `/v1/templates/${id}`, { key: b.apiKey })
    return r.body.data.status !== 'PENDING' ? (r.body.data.status as string) : null
  }, 5000, 'the template review')
  return { id, status }
}

/** Raw outbox rows still waiting (not yet handed to the provider). */
export async function outboxCount(t: TestApp, numberId: string): Promise<number> {
  const [r] = await rows<{ n: number }>(t, sql`SELECT count(*)::int8 AS n FROM outbox WHERE number_id = ${numberId}::uuid`)
  return Number(r?.n ?? 0)
}
