import { sql, type SQL } from 'drizzle-orm'
import { toDate } from './db.js'
import type { Handle } from './handle.js'

// Delivery statuses from the provider's webhooks. Every status is kept once in message_statuses
// (unique per number, wamid and status), then applied to its message as a compare-and-set: the service
// says which current statuses the incoming one may replace (`below`, from src/domain/status.ts), so
// late, repeated or reordered webhooks never move a message backwards. A status whose message is not
// there yet stays with applied = 0 until `applyPending` runs for its wamid.

/** One status webhook as received (Meta's name: played is kept as played here). */
export interface StatusRow {
  number_id: string
  wamid: string
  status: string
  occurred_at: string
  errors: unknown[] | null
  pricing: Record<string, unknown> | null
}

/** What a batch of statuses does to one message, folded by the service from the domain rules. */
export interface StatusEffect {
  number_id: string
  wamid: string
  /** The status to store when the message's current status is one of `below` (comma-separated). */
  final: string
  below: string
  sent_at: string | null
  delivered_at: string | null
  read_at: string | null
  failed_at: string | null
  error: Record<string, unknown> | null
}

export interface ChangedConversation {
  business_id: string
  conversation_id: string
}

/** A message whose status (or step time) a status webhook changed: the message.status event. */
export interface UpdatedMessage {
  business_id: string
  conversation_id: string
  message_id: string
  status: string
  wamid: string
  error: Record<string, unknown> | null
}

export interface PendingStatus {
  number_id: string
  wamid: string
  status: string
  occurred_at: Date
  errors: unknown[] | null
}

function effectsCte(effects: StatusEffect[]): SQL {
  return sql`
w AS (
  SELECT * FROM jsonb_to_recordset(${JSON.stringify(effects)}::jsonb) AS w(
    number_id uuid, wamid text, final text, below text, sent_at timestamptz, delivered_at timestamptz,
    read_at timestamptz, failed_at timestamptz, error jsonb)
),
upd AS (
  UPDATE messages m SET
    delivery_status = CASE WHEN m.delivery_status = ANY(string_to_array(w.below, ',')) THEN w.final ELSE m.delivery_status END,
    -- Each step's time is kept even when the status itself no longer moves (a late delivered after read).
    sent_at = COALESCE(m.sent_at, w.sent_at),
    delivered_at = COALESCE(m.delivered_at, w.delivered_at),
    read_at = COALESCE(m.read_at, w.read_at),
    failed_at = CASE WHEN w.final = 'failed' AND m.delivery_status = ANY(string_to_array(w.below, ',')) THEN w.failed_at ELSE m.failed_at END,
    error = CASE WHEN w.final = 'failed' AND m.delivery_status = ANY(string_to_array(w.below, ',')) THEN w.error ELSE m.error END
  FROM w
  WHERE m.number_id = w.number_id AND m.provider_message_id = w.wamid AND m.direction = 'outbound'
    AND (m.delivery_status = ANY(string_to_array(w.below, ','))
      OR (w.sent_at IS NOT NULL AND m.sent_at IS NULL)
      OR (w.delivered_at IS NOT NULL AND m.delivered_at IS NULL)
      OR (w.read_at IS NOT NULL AND m.read_at IS NULL))
  RETURNING m.business_id, m.conversation_id, m.id, m.delivery_status, m.provider_message_id, m.error
)`
}

/** Channel of the live-inbox events; payloads are small JSON objects (business_id, conversation_id, kind). */
export const EVENTS_CHANNEL = 'sb_events'

/** Several notifications in one statement (inside a transaction, Postgres delivers them at commit). */
export async function notifyEvents(h: Handle, payloads: string[]): Promise<void> {
  if (payloads.length === 0) return
  await h.rows(sql`SELECT pg_notify(${EVENTS_CHANNEL}, p)::text FROM jsonb_array_elements_text(${JSON.stringify(payloads)}::jsonb) AS p`)
}

export function statusesRepo(h: Handle) {
  return {
    notify: (payloads: string[]) => notifyEvents(h, payloads),

    /**
     * Stores the statuses (once each) and applies their effects to the messages that exist. Returns
     * the (number, wamid) pairs whose message was not found: they wait for `applyPending`.
     */
    async ingest(
      rows: StatusRow[],
      effects: StatusEffect[],
      now: Date,
    ): Promise<{ stored: number; pending: Array<{ number_id: string; wamid: string }>; changed: ChangedConversation[]; updated: UpdatedMessage[] }> {
      if (rows.length === 0) return { stored: 0, pending: [], changed: [], updated: [] }
      const [r] = await h.rows<{ stored: number; pending: Array<{ number_id: string; wamid: string }> | null; changed: ChangedConversation[] | null; updated: UpdatedMessage[] | null }>(sql`
WITH k AS (
  SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS k(
    number_id uuid, wamid text, status text, occurred_at timestamptz, errors jsonb, pricing jsonb)
),
${effectsCte(effects)},
ins AS (
  INSERT INTO message_statuses (number_id, provider_message_id, status, occurred_at, errors, pricing, applied, received_at)
  SELECT k.number_id, k.wamid, k.status, k.occurred_at, k.errors, k.pricing,
    CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.number_id = k.number_id AND m.provider_message_id = k.wamid) THEN 1 ELSE 0 END,
    ${now.toISOString()}::timestamptz
  FROM k
  ON CONFLICT (number_id, provider_message_id, status) DO NOTHING
  RETURNING number_id, provider_message_id, applied
)
SELECT
  (SELECT count(*) FROM ins)::int AS stored,
  (SELECT json_agg(DISTINCT jsonb_build_object('number_id', number_id, 'wamid', provider_message_id)) FROM ins WHERE applied = 0) AS pending,
  (SELECT json_agg(DISTINCT jsonb_build_object('business_id', business_id, 'conversation_id', conversation_id)) FROM upd) AS changed,
  (SELECT json_agg(jsonb_build_object('business_id', business_id, 'conversation_id', conversation_id, 'message_id', id,
     'status', delivery_status, 'wamid', provider_message_id, 'error', error)) FROM upd) AS updated`)
      return { stored: r?.stored ?? 0, pending: r?.pending ?? [], changed: r?.changed ?? [], updated: r?.updated ?? [] }
    },

    /** Statuses of these wamids still waiting for their message. */
    async pending(numberId: string, wamids: string[]): Promise<PendingStatus[]> {
      if (wamids.length === 0) return []
      const rows = await h.rows<{ number_id: string; wamid: string; status: string; occurred_at: string; errors: unknown[] | null }>(sql`
        SELECT number_id, provider_message_id AS wamid, status, occurred_at, errors FROM message_statuses
        WHERE number_id = ${numberId}::uuid AND provider_message_id = ANY(${pgTextArray(wamids)}::text[]) AND applied = 0`)
      return rows.map((r) => ({ ...r, occurred_at: toDate(r.occurred_at) }))
    },

    /** Applies folded effects of waiting statuses, and marks them applied where the message now exists. */
    async applyEffects(effects: StatusEffect[]): Promise<{ marked: number; changed: ChangedConversation[]; updated: UpdatedMessage[] }> {
      if (effects.length === 0) return { marked: 0, changed: [], updated: [] }
      const [r] = await h.rows<{ marked: number; changed: ChangedConversation[] | null; updated: UpdatedMessage[] | null }>(sql`
WITH ${effectsCte(effects)},
found AS (SELECT m.number_id, m.provider_message_id FROM messages m JOIN w ON m.number_id = w.number_id AND m.provider_message_id = w.wamid),
mark AS (
  UPDATE message_statuses s SET applied = 1 FROM found f
  WHERE s.number_id = f.number_id AND s.provider_message_id = f.provider_message_id AND s.applied = 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM mark)::int AS marked,
  (SELECT json_agg(DISTINCT jsonb_build_object('business_id', business_id, 'conversation_id', conversation_id)) FROM upd) AS changed,
  (SELECT json_agg(jsonb_build_object('business_id', business_id, 'conversation_id', conversation_id, 'message_id', id,
     'status', delivery_status, 'wamid', provider_message_id, 'error', error)) FROM upd) AS updated`)
      return { marked: r?.marked ?? 0, changed: r?.changed ?? [], updated: r?.updated ?? [] }
    },
  }
}

/** A Postgres text[] literal (quoted, escaped), passed as one parameter. */
function pgTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}
