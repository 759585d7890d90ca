import { sql } from 'drizzle-orm'
import { statusesBelow } from '../domain/status.js'
import { toDate } from './db.js'
import type { Handle } from './handle.js'
import { messageFromRaw, type MessageRow, type RawMessage } from './messages.js'

// The outbound queue's SQL. A row lives from the send's commit until the provider has taken the
// message (or refused it for good). Claims use FOR UPDATE SKIP LOCKED plus a lease (locked_until), so
// any number of processes share one queue, and a process that dies mid-send gives its rows back
// when the lease runs out (those few messages may go twice: at-least-once, bounded by what was in flight).

export interface ClaimOptions {
  numberId: string
  /** Who holds the lease (process id), for logs and for release on shutdown. */
  owner: string
  leaseMs: number
  /** Reserve send slots at most this far ahead of now. */
  lookaheadMs: number
  maxBatch: number
  /** Fraction of the number's throughput_mps to pace at (headroom for network jitter). */
  rateFactor: number
  /**
   * Slots up to this far in the past may still be taken: time the number lost to a slow claim is made
   * up for by a short burst, instead of being gone (the send meter keeps the burst inside the
   * provider's one-second window).
   */
  burstMs: number
}

export interface ClaimedSend {
  message: MessageRow
  attempts: number
  lane: string
  /** When to hand this message to the provider, in ms from now (its pacing slot). */
  sendInMs: number
  /** The customer's phone (E.164), null for a customer known only by WhatsApp user id. */
  toPhone: string | null
}

export interface ClaimResult {
  sends: ClaimedSend[]
  /** Ms until the number's earliest waiting row becomes due (null: nothing waiting at all). */
  nextDueInMs: number | null
  /** Ms until the pacing budget allows another claim (>0 when slots are reserved far ahead). */
  paceWaitMs: number
}

interface RawClaim extends RawMessage {
  ob_attempts: number
  ob_lane: string
  slot_ms: number | string | null
  to_phone: string | null
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v))

export function outboxRepo(h: Handle) {
  return {
    /** Makes sure the number has a pacing row (idempotent). */
    async ensurePacing(numberId: string): Promise<void> {
      await h.rows(sql`INSERT INTO number_pacing (number_id, tat) VALUES (${numberId}::uuid, clock_timestamp()) ON CONFLICT DO NOTHING`)
    },

    /**
     * Claims the next sends of one number and reserves their pacing slots, in one statement:
     * only the head of each conversation is eligible (an earlier row of the same conversation, in
     * flight or waiting for a retry, blocks the later ones), interactive rows before bulk ones, at
     * most as many as the pacing budget allows within `lookaheadMs`. The number_pacing row is the
     * one place the rate is decided, so several processes together stay under throughput_mps.
     * Timing uses the database's clock: the one clock all processes share.
     */
    async claim(o: ClaimOptions): Promise<ClaimResult> {
      const ready = (lane: string) => sql`
        SELECT ob.message_id, ob.seq FROM outbox ob, clock
        WHERE ob.number_id = ${o.numberId}::uuid AND ob.lane = ${lane}
          AND ob.available_at <= clock.now AND (ob.locked_until IS NULL OR ob.locked_until < clock.now)
          AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = ob.conversation_id AND p.seq < ob.seq)
        ORDER BY ob.seq`
      const rows = await h.rows<RawClaim>(sql`
        WITH clock AS (SELECT now, now - make_interval(secs => ${o.burstMs / 1000}::float8) AS since FROM (SELECT clock_timestamp() AS now) t),
        rate AS (
          SELECT make_interval(secs => 1.0 / greatest(0.001, n.throughput_mps * ${o.rateFactor}::float8)) AS step,
                 n.status AS number_status
          FROM numbers n WHERE n.id = ${o.numberId}::uuid
        ),
        budget AS (
          -- Slots that fit before now + lookahead; at least one once the next slot is within the
          -- lookahead, so a slow number (one slot per 100 ms) still gets its sends.
          SELECT CASE WHEN rate.number_status = 'disconnected' OR greatest(p.tat, clock.since) > clock.now + make_interval(secs => ${o.lookaheadMs / 1000}::float8) THEN 0 ELSE
            greatest(1, least(${o.maxBatch}::int,
              floor(extract(epoch FROM (clock.now + make_interval(secs => ${o.lookaheadMs / 1000}::float8) - greatest(p.tat, clock.since)))
                    / extract(epoch FROM rate.step))::int)) END AS k
          FROM number_pacing p, clock, rate WHERE p.number_id = ${o.numberId}::uuid
        ),
        inter AS (${ready('interactive')} LIMIT (SELECT coalesce(max(k), 0) FROM budget) FOR UPDATE OF ob SKIP LOCKED),
        bulk AS (${ready('bulk')} LIMIT (SELECT greatest(0, coalesce(max(k), 0) - (SELECT count(*) FROM inter)) FROM budget) FOR UPDATE OF ob SKIP LOCKED),
        picked AS (
          SELECT message_id, row_number() OVER (ORDER BY prio, seq) - 1 AS slot
          FROM (SELECT message_id, seq, 0 AS prio FROM inter UNION ALL SELECT message_id, seq, 1 AS prio FROM bulk) x
        ),
        claimed AS (
          UPDATE outbox SET locked_until = (SELECT now FROM clock) + make_interval(secs => ${(o.leaseMs + o.lookaheadMs) / 1000}::float8),
            locked_by = ${o.owner}, attempts = outbox.attempts + 1
          FROM picked WHERE outbox.message_id = picked.message_id
          RETURNING outbox.message_id, outbox.attempts, outbox.lane, picked.slot
        ),
        pace AS (
          UPDATE number_pacing SET tat = greatest(number_pacing.tat, (SELECT since FROM clock)) + (SELECT count(*) FROM claimed) * (SELECT step FROM rate)
          WHERE number_id = ${o.numberId}::uuid AND EXISTS (SELECT 1 FROM claimed)
          RETURNING tat - (SELECT count(*) FROM claimed) * (SELECT step FROM rate) AS start
        )
        SELECT m.*, c.attempts AS ob_attempts, c.lane AS ob_lane, ct.phone AS to_phone,
          extract(epoch FROM ((SELECT start FROM pace) + c.slot * (SELECT step FROM rate) - (SELECT now FROM clock))) * 1000 AS slot_ms
        FROM claimed c JOIN messages m ON m.id = c.message_id
          JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts ct ON ct.id = cv.contact_id
        ORDER BY c.slot`)
      const sends = rows.map((r) => ({
        message: messageFromRaw(r),
        attempts: r.ob_attempts,
        lane: r.ob_lane,
        sendInMs: Math.max(0, num(r.slot_ms ?? 0)),
        toPhone: r.to_phone,
      }))
      if (sends.length > 0) return { sends, nextDueInMs: 0, paceWaitMs: 0 }
      // Nothing claimed: say when to look again (a retry coming due, or the pacing budget refilling).
      const [w] = await h.rows<{ due_ms: unknown; pace_ms: unknown }>(sql`
        SELECT
          (SELECT extract(epoch FROM (min(greatest(ob.available_at, coalesce(ob.locked_until, ob.available_at))) - clock_timestamp())) * 1000
             FROM outbox ob WHERE ob.number_id = ${o.numberId}::uuid
               -- Heads only: a later row of a conversation is due when its head is done, not before.
               AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = ob.conversation_id AND p.seq < ob.seq)) AS due_ms,
          (SELECT extract(epoch FROM (tat - make_interval(secs => ${o.lookaheadMs / 1000}::float8) - clock_timestamp())) * 1000
             FROM number_pacing WHERE number_id = ${o.numberId}::uuid) AS pace_ms`)
      return {
        sends,
        nextDueInMs: w?.due_ms === null || w?.due_ms === undefined ? null : Math.max(0, num(w.due_ms)),
        paceWaitMs: w?.pace_ms === null || w?.pace_ms === undefined ? 0 : Math.max(0, num(w.pace_ms)),
      }
    },

    /**
     * The provider took these messages: keep their wamids and drop their outbox rows. The status
     * stays as it is (queued): `sent` comes from the provider's webhook, through advanceStatus.
     */
    async recordAccepted(done: Array<{ messageId: string; wamid: string }>): Promise<void> {
      if (done.length === 0) return
      await h.rows(sql`
        WITH d AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(done.map((x) => ({ id: x.messageId, wamid: x.wamid })))}::jsonb) AS d(id uuid, wamid text)),
        upd AS (UPDATE messages m SET provider_message_id = d.wamid FROM d WHERE m.id = d.id RETURNING m.id)
        DELETE FROM outbox o USING d WHERE o.message_id = d.id`)
    },

    /** The provider refused for good: the message ends `failed` with the provider's code and text. */
    /** Marks messages failed (when not already further on) and drops their outbox rows; returns the ones marked. */
    async recordFailed(failed: Array<{ messageId: string; error: Record<string, unknown>; at: Date }>): Promise<Array<{ id: string; business_id: string; conversation_id: string }>> {
      if (failed.length === 0) return []
      const below = statusesBelow('failed')
      return h.rows<{ id: string; business_id: string; conversation_id: string }>(sql`
        WITH d AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(failed.map((x) => ({ id: x.messageId, error: x.error, at: x.at.toISOString() })))}::jsonb)
                     AS d(id uuid, error jsonb, at timestamptz)),
        upd AS (UPDATE messages m SET delivery_status = 'failed', error = d.error, failed_at = d.at
                FROM d WHERE m.id = d.id AND m.delivery_status IN (${sql.join(below.map((s) => sql`${s}`), sql`, `)})
                RETURNING m.id, m.business_id, m.conversation_id),
        del AS (DELETE FROM outbox o USING d WHERE o.message_id = d.id)
        SELECT id, business_id, conversation_id FROM upd`)
    },

    /** Try again later (provider busy, network trouble): the row goes back to the queue. */
    async retryLater(messageId: string, delayMs: number, lastError: Record<string, unknown>): Promise<void> {
      await h.rows(sql`
        UPDATE outbox SET available_at = clock_timestamp() + make_interval(secs => ${delayMs / 1000}::float8),
          locked_until = NULL, locked_by = NULL, last_error = ${JSON.stringify(lastError)}::jsonb
        WHERE message_id = ${messageId}::uuid`)
    },

    /** Gives claimed rows back untouched (shutdown before their slot came): no attempt is counted. */
    async release(messageIds: string[], owner: string): Promise<void> {
      if (messageIds.length === 0) return
      await h.rows(sql`
        UPDATE outbox SET locked_until = NULL, locked_by = NULL, attempts = greatest(0, attempts - 1)
        WHERE locked_by = ${owner} AND message_id IN (${sql.join(messageIds.map((id) => sql`${id}::uuid`), sql`, `)})`)
    },

    /**
     * Frees every lease. Only for the embedded database, which one process owns (a lock file guards
     * it): any lease found at start belongs to a process that is gone, so its rows need not wait.
     */
    async releaseAllLeases(): Promise<number> {
      const r = await h.rows<{ message_id: string }>(sql`
        UPDATE outbox SET locked_until = NULL, locked_by = NULL WHERE locked_until IS NOT NULL RETURNING message_id`)
      return r.length
    },

    /** Numbers that have rows in the queue (due or not), for the dispatcher's poll. */
    async numbersWithWork(): Promise<string[]> {
      // A loose index scan: one probe per distinct number instead of reading the whole queue.
      const rows = await h.rows<{ number_id: string }>(sql`
        WITH RECURSIVE n AS (
          (SELECT number_id FROM outbox ORDER BY number_id LIMIT 1)
          UNION ALL
          SELECT (SELECT o.number_id FROM outbox o WHERE o.number_id > n.number_id ORDER BY o.number_id LIMIT 1) FROM n WHERE n.number_id IS NOT NULL
        )
        SELECT number_id FROM n WHERE number_id IS NOT NULL`)
      return rows.map((r) => r.number_id)
    },

    /** Queue depth by number and lane, and how many rows are leased (in flight). */
    async depths(): Promise<Array<{ numberId: string; lane: string; queued: number; inFlight: number }>> {
      const rows = await h.rows<{ number_id: string; lane: string; queued: number; in_flight: number }>(sql`
        SELECT number_id, lane, count(*)::int8 AS queued,
          count(*) FILTER (WHERE locked_until IS NOT NULL AND locked_until > clock_timestamp())::int8 AS in_flight
        FROM outbox GROUP BY number_id, lane`)
      return rows.map((r) => ({ numberId: r.number_id, lane: r.lane, queued: num(r.queued), inFlight: num(r.in_flight) }))
    },

    /** The outbox row of a message, if it is still waiting (tests and support). */
    async get(messageId: string): Promise<{ attempts: number; availableAt: Date; lastError: unknown } | null> {
      const [r] = await h.rows<{ attempts: number; available_at: unknown; last_error: unknown }>(
        sql`SELECT attempts, available_at, last_error FROM outbox WHERE message_id = ${messageId}::uuid`,
      )
      return r ? { attempts: r.attempts, availableAt: toDate(r.available_at), lastError: r.last_error } : null
    },
  }
}
