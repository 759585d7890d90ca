import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ConflictError, ValidationError } from '../../domain/errors.js'

// Idempotency-Key for POST routes that opt in (config.idempotent). The database row is the lock:
// the first request inserts it "in progress"; a concurrent duplicate (even on another process sharing
// the Postgres) finds it and gets 409; a later retry gets the stored first response, replayed.

const KEEP_MS = 24 * 60 * 60 * 1000
/** How long an in-progress claim holds before a retry may take it over (its process likely died). */
const CLAIM_MS = 60 * 1000
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/

const states = new WeakMap<FastifyRequest, { businessId: string; key: string }>()

function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(req.method)
    .update('\n')
    .update(req.url)
    .update('\n')
    .update(JSON.stringify(req.body ?? null))
    .digest('hex')
}

export const idempotencyPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.routeOptions.config?.idempotent || !req.auth) return
      const raw = req.headers['idempotency-key']
      if (raw === undefined) return
      const key = Array.isArray(raw) ? raw[0] : raw
      if (!KEY_FORMAT.test(key)) {
        throw ValidationError.fields('The Idempotency-Key header must be 1 to 255 printable characters, such as a UUID.', [
          { field: 'Idempotency-Key', problem: 'must be 1 to 255 printable ASCII characters' },
        ])
      }
      const now = app.deps.clock()
      const businessId = req.auth.businessId
      const existing = await app.deps.store.idempotency.claim({
        businessId,
        key,
        requestHash: requestHash(req),
        now,
        lockedUntil: new Date(now.getTime() + CLAIM_MS),
        expiresAt: new Date(now.getTime() + KEEP_MS),
      })
      if (!existing) {
        states.set(req, { businessId, key })
        return
      }
      if (existing.requestHash !== requestHash(req)) {
        throw new ConflictError(
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
          { idempotency_key: key },
        )
      }
      if (existing.state !== 'done') {
        throw new ConflictError(
          'idempotency_key_in_progress',
          'A request with this Idempotency-Key is still being processed; wait a moment and retry with the same key.',
          { idempotency_key: key },
        )
      }
      reply.header('idempotent-replayed', 'true')
      reply.code(existing.responseStatus ?? 200)
      return reply.send(existing.responseBody)
    })

    app.addHook('onSend', async (req, reply, payload) => {
      const st = states.get(req)
      if (!st) return payload
      states.delete(req)
      const status = reply.statusCode
      // Our own failures and rate limits are not the answer to the request: let a retry run it again.
      if (status >= 500 || status === 429) {
        await app.deps.store.idempotency.release(st.businessId, st.key)
        return payload
      }
      let body: unknown = null
      try {
        body = typeof payload === 'string' ? JSON.parse(payload) : payload
      } catch {
        body = payload
      }
      await app.deps.store.idempotency.complete(st.businessId, st.key, status, body)
      return payload
    })

    // A request that dies before sending (client gone, crash in a hook) must not hold the key forever.
    app.addHook('onResponse', async (req) => {
      const st = states.get(req)
      if (!st) return
      states.delete(req)
      await app.deps.store.idempotency.release(st.businessId, st.key)
    })
  },
  { name: 'switchboard-idempotency', dependencies: ['switchboard-auth'] },
)
