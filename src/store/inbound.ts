import { sql } from 'drizzle-orm'
import type { Handle } from './handle.js'

// Ingest of inbound WhatsApp messages: contacts, conversations, messages and media of a whole webhook
// POST in ONE SQL statement (one round trip, atomic on its own), fed by a single JSON parameter.
//
// Why one statement: a webhook must be stored before we answer 200, and Meta sends thousands a second
// at peak. Per-message queries cost a round trip each; here a 1,000-message POST is one statement.
//
// Races: contacts and conversations are upserted with ON CONFLICT DO UPDATE, which returns the row even
// when another transaction created it after this statement's snapshot. The one race left (a conversation
// created concurrently for the same customer) surfaces as a foreign-key violation on the message's
// conversation id (RI checks run at the end of the statement) and the caller retries the statement:
// every part of it is idempotent (messages are ON CONFLICT (number_id, provider_message_id) DO NOTHING).

/** One inbound message, prepared by the service (ids made there, times ISO strings). */
export interface InboundMessageRow {
  id: string
  business_id: string
  number_id: string
  /** The contact's identity within the business: its E.164 phone, or "u:" + WhatsApp user id. */
  ckey: string
  phone: string | null
  wa_user_id: string | null
  username: string | null
  name: string | null
  /** Used when the contact is new. */
  contact_new_id: string
  /** Used when the (number, contact) conversation is new; the same id for every message of that pair. */
  conv_new_id: string
  wamid: string
  type: string
  text: string | null
  /** Short text for the conversation list. */
  preview: string
  /** { content, context, referral, raw, media_id? }: Meta's message kept whole, plus our normalised view. */
  payload: Record<string, unknown>
  reply_to_wamid: string | null
  /** WhatsApp's own timestamp of the message (ISO): the 24-hour window counts from here. */
  ts: string
  media_id: string | null
  media_provider_id: string | null
  media_mime: string | null
  media_sha256: string | null
  media_filename: string | null
}

export interface IngestResult {
  /** Ids of the messages that were new (duplicates of stored wamids are not listed). */
  inserted: string[]
  /** Each new message with its conversation (for the message.received event). */
  placed: Array<{ id: string; conversation_id: string }>
  conversations: Array<{ id: string; business_id: string; created: boolean }>
  /** Contacts this batch created (a customer's first message). */
  contactsCreated: string[]
}

interface RawIngest {
  inserted: string[] | null
  placed: Array<{ id: string; conversation_id: string }> | null
  conversations: Array<{ id: string; business_id: string; created: boolean }> | null
  contacts_created: string[] | null
  media: number
}

export function inboundRepo(h: Handle) {
  return {
    /** Live-inbox notifications on sb_events, several in one statement. */

    async ingestMessages(rows: InboundMessageRow[], now: Date): Promise<IngestResult> {
      if (rows.length === 0) return { inserted: [], placed: [], conversations: [], contactsCreated: [] }
      const at = now.toISOString()
      const [r] = await h.rows<RawIngest>(sql`
WITH k AS (
  SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS k(
    id uuid, business_id uuid, number_id uuid, ckey text, phone text, wa_user_id text, username text, name text,
    contact_new_id uuid, conv_new_id uuid, wamid text, type text, text text, preview text, payload jsonb,
    reply_to_wamid text, ts timestamptz, media_id uuid, media_provider_id text, media_mime text, media_sha256 text,
    media_filename text)
),
ck AS (
  -- One row per contact; the newest message's profile wins. Sorted, so concurrent batches lock in one order.
  SELECT DISTINCT ON (business_id, ckey) business_id, ckey, phone, wa_user_id, username, name, contact_new_id
  FROM k ORDER BY business_id, ckey, ts DESC
),
cp AS (
  INSERT INTO contacts AS c (id, business_id, phone, name, username, fields, opted_out, created_at, updated_at)
  SELECT contact_new_id, business_id, phone, name, username, '{}'::jsonb, false, ${at}::timestamptz, ${at}::timestamptz
  FROM ck WHERE phone IS NOT NULL
  ON CONFLICT (business_id, phone) DO UPDATE SET
    -- A profile name fills an empty name; a name the business typed is never overwritten.
    name = COALESCE(c.name, EXCLUDED.name),
    username = COALESCE(EXCLUDED.username, c.username),
    updated_at = CASE WHEN (c.name IS NULL AND EXCLUDED.name IS NOT NULL)
                        OR (EXCLUDED.username IS NOT NULL AND EXCLUDED.username IS DISTINCT FROM c.username)
                      THEN EXCLUDED.updated_at ELSE c.updated_at END
  RETURNING c.id, c.business_id, c.phone AS ckey, (xmax = 0) AS created
),
cu AS (
  -- 2026 usernames: Meta may withhold the phone and send only a business-scoped user id.
  INSERT INTO contacts AS c (id, business_id, wa_user_id, name, username, fields, opted_out, created_at, updated_at)
  SELECT contact_new_id, business_id, wa_user_id, name, username, '{}'::jsonb, false, ${at}::timestamptz, ${at}::timestamptz
  FROM ck WHERE phone IS NULL
  ON CONFLICT (business_id, wa_user_id) DO UPDATE SET
    name = COALESCE(c.name, EXCLUDED.name),
    username = COALESCE(EXCLUDED.username, c.username),
    updated_at = CASE WHEN (c.name IS NULL AND EXCLUDED.name IS NOT NULL)
                        OR (EXCLUDED.username IS NOT NULL AND EXCLUDED.username IS DISTINCT FROM c.username)
                      THEN EXCLUDED.updated_at ELSE c.updated_at END
  RETURNING c.id, c.business_id, 'u:' || c.wa_user_id AS ckey, (xmax = 0) AS created
),
cc AS (SELECT * FROM cp UNION ALL SELECT * FROM cu),
km AS (SELECT k.*, cc.id AS contact_id FROM k JOIN cc ON cc.business_id = k.business_id AND cc.ckey = k.ckey),
-- Joins between these CTEs would be planned as nested loops (Postgres guesses a CTE holds a row or
-- two), which is quadratic in the batch: a thousand messages took a second. So each CTE that others
-- look things up in is folded into one jsonb object, and rows find their entry by key (a binary search).
pairs AS (
  SELECT DISTINCT ON (km.number_id, km.contact_id)
    km.number_id, km.contact_id, km.business_id, COALESCE(ex.id, km.conv_new_id) AS conv_id, ex.id IS NULL AS is_new
  FROM km LEFT JOIN conversations ex ON ex.number_id = km.number_id AND ex.contact_id = km.contact_id
  ORDER BY km.number_id, km.contact_id
),
pair_map AS MATERIALIZED (SELECT COALESCE(jsonb_object_agg(number_id::text || contact_id::text, conv_id), '{}'::jsonb) AS m FROM pairs),
mi AS (
  INSERT INTO messages (id, business_id, conversation_id, number_id, direction, message_type, text, payload,
    reply_to_wamid, reply_to_message_id, reactions, delivery_status, provider_message_id, author_type, author_id,
    provider_timestamp, created_at)
  SELECT km.id, km.business_id, (pm.m ->> (km.number_id::text || km.contact_id::text))::uuid, km.number_id, 'inbound', km.type, km.text, km.payload,
    km.reply_to_wamid, t.id, '[]'::jsonb, 'received', km.wamid, 'customer', km.contact_id::text,
    km.ts, ${at}::timestamptz
  FROM km
  CROSS JOIN pair_map pm
  LEFT JOIN messages t ON km.reply_to_wamid IS NOT NULL AND t.number_id = km.number_id AND t.provider_message_id = km.reply_to_wamid
  ON CONFLICT (number_id, provider_message_id) DO NOTHING
  RETURNING id, conversation_id, provider_timestamp
),
new_map AS MATERIALIZED (SELECT COALESCE(jsonb_object_agg(id::text, true), '{}'::jsonb) AS m FROM mi),
fresh AS MATERIALIZED (SELECT km.* FROM km CROSS JOIN new_map nm WHERE nm.m ? km.id::text),
agg AS MATERIALIZED (
  SELECT (pm.m ->> (f.number_id::text || f.contact_id::text))::uuid AS conversation_id, count(*)::int AS n, max(f.ts) AS last_at,
    (array_agg(f.preview ORDER BY f.ts DESC, f.id DESC))[1] AS preview
  FROM fresh f CROSS JOIN pair_map pm GROUP BY 1
),
agg_map AS MATERIALIZED (SELECT COALESCE(jsonb_object_agg(conversation_id::text, jsonb_build_object('n', n, 'last_at', last_at, 'preview', preview)), '{}'::jsonb) AS m FROM agg),
pa AS (
  SELECT p.*, (am.m -> p.conv_id::text ->> 'n')::int AS n, (am.m -> p.conv_id::text ->> 'last_at')::timestamptz AS last_at,
    am.m -> p.conv_id::text ->> 'preview' AS preview
  FROM pairs p CROSS JOIN agg_map am
),
cv AS (
  INSERT INTO conversations AS c (id, business_id, number_id, contact_id, status, mode, unread_count, last_message_at,
    last_message_preview, last_message_direction, last_inbound_at, created_at, updated_at)
  SELECT pa.conv_id, pa.business_id, pa.number_id, pa.contact_id, 'open', 'human', COALESCE(pa.n, 0), pa.last_at,
    pa.preview, CASE WHEN pa.n IS NULL THEN NULL ELSE 'inbound' END, pa.last_at, ${at}::timestamptz, ${at}::timestamptz
  FROM pa
  WHERE pa.n IS NOT NULL OR pa.is_new
  ON CONFLICT (number_id, contact_id) DO UPDATE SET
    unread_count = c.unread_count + EXCLUDED.unread_count,
    -- WhatsApp's timestamps, and never backwards: Meta retries late webhooks for days.
    last_inbound_at = GREATEST(c.last_inbound_at, EXCLUDED.last_inbound_at),
    last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
    last_message_preview = CASE WHEN c.last_message_at IS NULL OR EXCLUDED.last_message_at >= c.last_message_at
                                THEN EXCLUDED.last_message_preview ELSE c.last_message_preview END,
    last_message_direction = CASE WHEN c.last_message_at IS NULL OR EXCLUDED.last_message_at >= c.last_message_at
                                  THEN 'inbound' ELSE c.last_message_direction END,
    -- The customer wrote again: a resolved or waiting conversation needs attention.
    status = CASE WHEN EXCLUDED.unread_count > 0 AND c.status IN ('resolved', 'pending_customer') THEN 'open' ELSE c.status END,
    updated_at = EXCLUDED.updated_at
  RETURNING c.id, c.business_id, (xmax = 0) AS created
),
md AS (
  INSERT INTO media (id, business_id, number_id, origin, provider_media_id, mime_type, sha256, filename, created_at)
  SELECT f.media_id, f.business_id, f.number_id, 'inbound', f.media_provider_id,
    COALESCE(f.media_mime, 'application/octet-stream'), f.media_sha256, f.media_filename, ${at}::timestamptz
  FROM fresh f WHERE f.media_id IS NOT NULL
  RETURNING id
)
SELECT
  (SELECT json_agg(id) FROM mi) AS inserted,
  (SELECT json_agg(json_build_object('id', id, 'conversation_id', conversation_id)) FROM mi) AS placed,
  (SELECT json_agg(json_build_object('id', id, 'business_id', business_id, 'created', created)) FROM cv) AS conversations,
  (SELECT json_agg(id) FROM cc WHERE created) AS contacts_created,
  (SELECT count(*) FROM md)::int AS media`)
      return { inserted: r?.inserted ?? [], placed: r?.placed ?? [], conversations: r?.conversations ?? [], contactsCreated: r?.contacts_created ?? [] }
    },

    /** Links replies whose quoted message arrived in the same batch (the insert could not see it yet). */
    async linkReplies(messageIds: string[]): Promise<void> {
      if (messageIds.length === 0) return
      await h.rows(sql`
        UPDATE messages m SET reply_to_message_id = t.id
        FROM messages t
        WHERE m.id = ANY(${`{${messageIds.join(',')}}`}::uuid[]) AND m.reply_to_message_id IS NULL AND m.reply_to_wamid IS NOT NULL
          AND t.number_id = m.number_id AND t.provider_message_id = m.reply_to_wamid`)
    },

    /**
     * A customer's reaction on one of the number's messages: replaces that customer's earlier reaction;
     * an empty emoji (null) removes it. Applied in timestamp order by the caller.
     */
    async applyReaction(r: { numberId: string; targetWamid: string; contactId: string; emoji: string | null; wamid: string; at: Date }): Promise<void> {
      const entry = r.emoji === null ? null : JSON.stringify([{ emoji: r.emoji, by: 'customer', contact_id: r.contactId, wamid: r.wamid, at: r.at.toISOString() }])
      await h.rows(sql`
        UPDATE messages SET reactions =
          COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(reactions) e WHERE e->>'contact_id' IS DISTINCT FROM ${r.contactId}), '[]'::jsonb)
          || COALESCE(${entry}::jsonb, '[]'::jsonb)
        WHERE number_id = ${r.numberId}::uuid AND provider_message_id = ${r.targetWamid}`)
    },

    /** Records a WhatsApp user id on contacts known by phone (when no other contact holds it). */
    async linkUserIds(links: Array<{ business_id: string; phone: string; wa_user_id: string }>): Promise<void> {
      if (links.length === 0) return
      await h.rows(sql`
        UPDATE contacts c SET wa_user_id = l.wa_user_id
        FROM jsonb_to_recordset(${JSON.stringify(links)}::jsonb) AS l(business_id uuid, phone text, wa_user_id text)
        WHERE c.business_id = l.business_id AND c.phone = l.phone AND c.wa_user_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.business_id = l.business_id AND o.wa_user_id = l.wa_user_id)`)
    },

    /** Author (contact) and business of messages, for follow-ups such as keyword opt-out. */
    async authors(messageIds: string[]): Promise<Array<{ id: string; business_id: string; contact_id: string }>> {
      if (messageIds.length === 0) return []
      return h.rows(sql`
        SELECT id, business_id, author_id AS contact_id FROM messages WHERE id = ANY(${`{${messageIds.join(',')}}`}::uuid[])`)
    },

    /**
     * Meta's template review result: matched by provider template id within the WABA, else by name and
     * language. Returns how many template rows changed.
     */
    async applyTemplateStatus(u: { wabaId: string; providerTemplateId: string | null; name: string | null; language: string | null; status: string | null; reason: string | null; at: Date }): Promise<number> {
      const rows = await h.rows<{ id: string }>(sql`
        WITH byid AS (
          SELECT id FROM templates WHERE waba_id = ${u.wabaId} AND ${u.providerTemplateId}::text IS NOT NULL AND provider_template_id = ${u.providerTemplateId}
        ),
        target AS (
          SELECT id FROM byid
          UNION ALL
          SELECT id FROM templates WHERE NOT EXISTS (SELECT 1 FROM byid) AND waba_id = ${u.wabaId}
            AND name = ${u.name} AND (${u.language}::text IS NULL OR language = ${u.language})
        )
        UPDATE templates t SET status = COALESCE(${u.status}, t.status), status_reason = ${u.reason}, updated_at = ${u.at.toISOString()}::timestamptz,
          provider_template_id = COALESCE(t.provider_template_id, ${u.providerTemplateId})
        FROM target WHERE t.id = target.id
        RETURNING t.id`)
      return rows.length
    },
  }
}
