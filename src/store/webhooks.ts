import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { toDate } from './db.js'
import { pgArray, type Handle } from './handle.js'
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from './schema/index.js'

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect

/** A delivery claimed for sending, with what the sender needs in one row. */
export interface ClaimedDelivery {
  id: string
  endpointId: string
  eventId: string
  attempts: number
  createdAt: Date
  url: string
  secretEnc: string
  previousSecretEnc: string | null
  previousSecretExpiresAt: Date | null
  eventType: string
  eventData: Record<string, unknown>
  eventCreatedAt: Date
  businessId: string
}

export function webhooksRepo(h: Handle) {
  return {
    async insertEndpoint(row: typeof webhookEndpoints.$inferInsert): Promise<WebhookEndpointRow> {
      const [e] = await h.db.insert(webhookEndpoints).values(row).returning()
      return e
    },
    async getEndpoint(businessId: string, id: string): Promise<WebhookEndpointRow | null> {
      const [e] = await h.db
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.businessId, businessId), eq(webhookEndpoints.id, id)))
      return e ?? null
    },
    async listEndpoints(businessId: string): Promise<WebhookEndpointRow[]> {
      return h.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.businessId, businessId)).orderBy(desc(webhookEndpoints.createdAt))
    },
    async updateEndpoint(businessId: string, id: string, patch: Partial<typeof webhookEndpoints.$inferInsert>): Promise<WebhookEndpointRow | null> {
      const [e] = await h.db
        .update(webhookEndpoints)
        .set(patch)
        .where(and(eq(webhookEndpoints.businessId, businessId), eq(webhookEndpoints.id, id)))
        .returning()
      return e ?? null
    },
    async deleteEndpoint(businessId: string, id: string): Promise<boolean> {
      const rows = await h.db
        .delete(webhookEndpoints)
        .where(and(eq(webhookEndpoints.businessId, businessId), eq(webhookEndpoints.id, id)))
        .returning({ id: webhookEndpoints.id })
      return rows.length > 0
    },

    async insertEvent(e: { id: string; businessId: string; type: string; data: Record<string, unknown>; at: Date }): Promise<void> {
      await h.db.insert(events).values({ id: e.id, businessId: e.businessId, type: e.type, data: e.data, createdAt: e.at, dispatchedAt: e.at })
    },

    /** One pending delivery per enabled endpoint of the business subscribed to the type (or to `*`). */
    async fanOut(e: { id: string; businessId: string; type: string; at: Date }, newIds: () => string): Promise<number> {
      const endpoints = await h.rows<{ id: string }>(sql`
        SELECT id FROM webhook_endpoints
        WHERE business_id = ${e.businessId} AND status = 'enabled' AND (${e.type} = ANY(events) OR '*' = ANY(events))`)
      if (endpoints.length === 0) return 0
      await h.db.insert(webhookDeliveries).values(
        endpoints.map((ep) => ({
          id: newIds(),
          endpointId: ep.id,
          eventId: e.id,
          status: 'pending',
          nextAttemptAt: e.at,
          createdAt: e.at,
          updatedAt: e.at,
        })),
      )
      return endpoints.length
    },

    /** Enabled endpoints of these businesses with what they subscribe to (for batched fan-out). */
    async subscribers(businessIds: string[]): Promise<Array<{ id: string; businessId: string; events: string[] }>> {
      if (businessIds.length === 0) return []
      const rows = await h.rows<{ id: string; business_id: string; events: string[] }>(sql`
        SELECT id, business_id, events FROM webhook_endpoints
        WHERE business_id = ANY(${pgArray(businessIds)}::uuid[]) AND status = 'enabled'`)
      return rows.map((r) => ({ id: r.id, businessId: r.business_id, events: r.events }))
    },

    /** Many events and their deliveries in two statements (the ingest path). */
    async insertMany(
      evs: Array<{ id: string; businessId: string; type: string; data: Record<string, unknown>; at: Date }>,
      deliveries: Array<{ id: string; endpointId: string; eventId: string; at: Date }>,
    ): Promise<void> {
      if (evs.length === 0) return
      await h.db.insert(events).values(evs.map((e) => ({ id: e.id, businessId: e.businessId, type: e.type, data: e.data, createdAt: e.at, dispatchedAt: e.at })))
      if (deliveries.length === 0) return
      await h.db.insert(webhookDeliveries).values(
        deliveries.map((d) => ({ id: d.id, endpointId: d.endpointId, eventId: d.eventId, status: 'pending', nextAttemptAt: d.at, createdAt: d.at, updatedAt: d.at })),
      )
    },

    async insertDelivery(row: typeof webhookDeliveries.$inferInsert): Promise<void> {
      await h.db.insert(webhookDeliveries).values(row).onConflictDoNothing()
    },

    /** Claims due deliveries for this worker; a claim expires so a crashed worker's rows come back. */
    async claimDue(now: Date, lockUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
      const rows = await h.rows<Record<string, unknown>>(sql`
        WITH due AS (
          SELECT d.id FROM webhook_deliveries d
          WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
            AND (d.locked_until IS NULL OR d.locked_until < ${now})
          ORDER BY d.next_attempt_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE webhook_deliveries d SET locked_until = ${lockUntil}
        FROM due, webhook_endpoints ep, events ev
        WHERE d.id = due.id AND ep.id = d.endpoint_id AND ev.id = d.event_id
        RETURNING d.id, d.endpoint_id, d.event_id, d.attempts, d.created_at, ep.url, ep.secret_enc,
          ep.previous_secret_enc, ep.previous_secret_expires_at, ev.type AS event_type, ev.data AS event_data,
          ev.created_at AS event_created_at, ev.business_id`)
      return rows.map((r) => ({
        id: String(r.id),
        endpointId: String(r.endpoint_id),
        eventId: String(r.event_id),
        attempts: Number(r.attempts),
        createdAt: toDate(r.created_at),
        url: String(r.url),
        secretEnc: String(r.secret_enc),
        previousSecretEnc: (r.previous_secret_enc as string | null) ?? null,
        previousSecretExpiresAt: toDate(r.previous_secret_expires_at, true),
        eventType: String(r.event_type),
        eventData: (typeof r.event_data === 'string' ? JSON.parse(r.event_data) : r.event_data) as Record<string, unknown>,
        eventCreatedAt: toDate(r.event_created_at),
        businessId: String(r.business_id),
      }))
    },

    async recordAttempt(a: {
      id: string
      deliveryId: string
      at: Date
      statusCode: number | null
      error: string | null
      latencyMs: number
      outcome: 'succeeded' | 'retry' | 'failed'
      nextAttemptAt: Date | null
    }): Promise<void> {
      await h.db.insert(webhookAttempts).values({
        id: a.id,
        deliveryId: a.deliveryId,
        attemptedAt: a.at,
        statusCode: a.statusCode,
        error: a.error,
        latencyMs: a.latencyMs,
      })
      await h.db
        .update(webhookDeliveries)
        .set({
          status: a.outcome === 'retry' ? 'pending' : a.outcome,
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          nextAttemptAt: a.nextAttemptAt,
          lockedUntil: null,
          lastStatusCode: a.statusCode,
          lastError: a.error,
          lastLatencyMs: a.latencyMs,
          updatedAt: a.at,
        })
        .where(eq(webhookDeliveries.id, a.deliveryId))
    },

    /** Records many successful first-try-or-later deliveries in two statements (the hot path). */
    async recordSuccesses(rows: Array<{ attemptId: string; deliveryId: string; at: Date; statusCode: number; latencyMs: number }>): Promise<void> {
      if (rows.length === 0) return
      await h.db.insert(webhookAttempts).values(
        rows.map((r) => ({ id: r.attemptId, deliveryId: r.deliveryId, attemptedAt: r.at, statusCode: r.statusCode, error: null, latencyMs: r.latencyMs })),
      )
      const at = rows[rows.length - 1].at
      await h.db.execute(sql`
        UPDATE webhook_deliveries d SET status = 'succeeded', attempts = d.attempts + 1, next_attempt_at = NULL,
          locked_until = NULL, last_status_code = v.code, last_error = NULL, last_latency_ms = v.latency, updated_at = ${at}
        FROM unnest(${pgArray(rows.map((r) => r.deliveryId))}::uuid[], ${pgArray(rows.map((r) => r.statusCode))}::int[], ${pgArray(rows.map((r) => r.latencyMs))}::int[])
          AS v(id, code, latency)
        WHERE d.id = v.id`)
    },

    /** After 24 hours of failures the endpoint is switched off, saying why; its pending rows stop. */
    async disableEndpoint(endpointId: string, reason: string, at: Date): Promise<void> {
      await h.db
        .update(webhookEndpoints)
        .set({ status: 'disabled', disabledReason: reason, updatedAt: at })
        .where(eq(webhookEndpoints.id, endpointId))
      await h.db
        .update(webhookDeliveries)
        .set({ status: 'failed', lockedUntil: null, nextAttemptAt: null, updatedAt: at })
        .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, 'pending')))
    },

    async listDeliveries(
      endpointId: string,
      limit: number,
      after?: { t: Date; id: string },
    ): Promise<Array<WebhookDeliveryRow & { eventType: string }>> {
      const rows = await h.db
        .select({ d: webhookDeliveries, eventType: events.type })
        .from(webhookDeliveries)
        .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
        .where(
          and(
            eq(webhookDeliveries.endpointId, endpointId),
            after ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${after.t}, ${after.id})` : undefined,
          ),
        )
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(limit)
      return rows.map((r) => ({ ...r.d, eventType: r.eventType }))
    },

    async attemptsFor(deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
      if (deliveryIds.length === 0) return []
      return h.db
        .select()
        .from(webhookAttempts)
        .where(sql`${webhookAttempts.deliveryId} = ANY(${pgArray(deliveryIds)}::uuid[])`)
        .orderBy(webhookAttempts.attemptedAt)
    },

    async getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | null> {
      const [d] = await h.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.id, deliveryId)))
      return d ?? null
    },

    async requeue(deliveryId: string, at: Date): Promise<void> {
      await h.db
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAttemptAt: at, lockedUntil: null, createdAt: at, updatedAt: at })
        .where(eq(webhookDeliveries.id, deliveryId))
    },

    async pendingCount(): Promise<number> {
      const [r] = await h.rows<{ n: number }>(sql`SELECT count(*)::int8 AS n FROM webhook_deliveries WHERE status = 'pending'`)
      return r?.n ?? 0
    },

    async purgeEventsBefore(at: Date): Promise<void> {
      await h.db.delete(events).where(lt(events.createdAt, at))
    },
  }
}
