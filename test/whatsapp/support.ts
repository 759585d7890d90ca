// Shared by the WhatsApp tests: raw SQL reads of what was stored, and Meta-shaped signed payloads.
import { sql, type SQL } from 'drizzle-orm'
import { signBody } from '../../src/providers/index.js'
import type { TestApp } from '../helpers/harness.js'
import type { EmulatorNumber } from '../helpers/whatsapp.js'

export async function rows<T = Record<string, unknown>>(t: TestApp, q: SQL): Promise<T[]> {
  const db = t.deps.store.database
  return db.rows<T>(db.db, q)
}

export async function count(t: TestApp, q: SQL): Promise<number> {
  const [r] = await rows<{ n: number }>(t, q)
  return Number(r?.n ?? 0)
}

export { sql }

let seq = 0
/** A wamid-looking id, unique in this process. */
export function wamid(tag = 'm'): string {
  return `wamid.TEST${tag}${Date.now().toString(36)}${(seq++).toString(36)}`
}

/** Meta's `messages` change value with these messages (and the contacts that sent them). */
export function messagesPayload(
  num: Pick<EmulatorNumber, 'phoneNumberId' | 'displayPhone' | 'wabaId'>,
  messages: Array<Record<string, unknown>>,
  contacts?: Array<Record<string, unknown>>,
): Record<string, unknown> {
  const cs = contacts ?? [...new Map(messages.map((m) => [m.from, { profile: { name: 'Customer' }, wa_id: m.from }])).values()]
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: num.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: num.displayPhone.replace('+', ''), phone_number_id: num.phoneNumberId },
              contacts: cs,
              messages,
            },
          },
        ],
      },
    ],
  }
}

export function statusesPayload(
  num: Pick<EmulatorNumber, 'phoneNumberId' | 'displayPhone' | 'wabaId'>,
  statuses: Array<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: num.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: num.displayPhone.replace('+', ''), phone_number_id: num.phoneNumberId },
              statuses,
            },
          },
        ],
      },
    ],
  }
}

export function textMessage(from: string, body: string, opts: { id?: string; timestamp?: number } = {}): Record<string, unknown> {
  return {
    from: from.replace('+', ''),
    id: opts.id ?? wamid(),
    timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
    type: 'text',
    text: { body },
  }
}

export function status(id: string, s: string, recipient: string, timestamp: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, status: s, timestamp: String(timestamp), recipient_id: recipient.replace('+', ''), ...extra }
}

/** Posts a payload signed with `secret` (as Meta would) to the test app's webhook. */
export async function postSigned(t: TestApp, payload: unknown, secret: string, opts: { signature?: string | null; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(payload)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const sig = opts.signature === undefined ? signBody(raw, secret) : opts.signature
  if (sig !== null) headers['x-hub-signature-256'] = sig
  return t.request('POST', '/webhooks/whatsapp', { raw, headers })
}

/** An outbound message row as the messaging dispatcher leaves it after the provider accepted it. */
export async function outboundFixture(t: TestApp, num: EmulatorNumber, customer: string, wamidValue: string | null, status = 'queued'): Promise<string> {
  const at = new Date().toISOString()
  const [c] = await rows<{ id: string }>(t, sql`
    INSERT INTO contacts (id, business_id, phone, fields, opted_out, created_at, updated_at)
    VALUES (gen_random_uuid(), ${num.row.businessId}::uuid, ${customer}, '{}', false, ${at}::timestamptz, ${at}::timestamptz)
    ON CONFLICT (business_id, phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING id`)
  const [cv] = await rows<{ id: string }>(t, sql`
    INSERT INTO conversations (id, business_id, number_id, contact_id, created_at, updated_at)
    VALUES (gen_random_uuid(), ${num.row.businessId}::uuid, ${num.numberId}::uuid, ${c.id}::uuid, ${at}::timestamptz, ${at}::timestamptz)
    ON CONFLICT (number_id, contact_id) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING id`)
  const [m] = await rows<{ id: string }>(t, sql`
    INSERT INTO messages (id, business_id, conversation_id, number_id, direction, message_type, text, delivery_status, provider_message_id, author_type, created_at)
    VALUES (gen_random_uuid(), ${num.row.businessId}::uuid, ${cv.id}::uuid, ${num.numberId}::uuid, 'outbound', 'text', 'hello', ${status}, ${wamidValue}, 'api_key', ${at}::timestamptz)
    RETURNING id`)
  return m.id
}
