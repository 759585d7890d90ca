import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../../domain/errors.js'

// A fixed one-second window per credential, kept in this process. It protects the server from a
// runaway client; it is not a billing meter, so exactness across processes is not worth a database
// round trip on every request.
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { perSecond: number }) => {
    const windows = new Map<string, { second: number; count: number }>()
    app.addHook('preHandler', async (req, reply) => {
      const principal = req.auth
      if (!principal || req.routeOptions.config?.rateLimit === false) return
      const nowMs = app.deps.clock().getTime()
      const second = Math.floor(nowMs / 1000)
      const key = `${principal.kind}:${principal.id}`
      let w = windows.get(key)
      if (!w || w.second !== second) {
        if (windows.size > 50_000) windows.clear()
        w = { second, count: 0 }
        windows.set(key, w)
      }
      w.count++
      reply.header('x-ratelimit-limit', String(opts.perSecond))
      reply.header('x-ratelimit-remaining', String(Math.max(0, opts.perSecond - w.count)))
      if (w.count > opts.perSecond) {
        throw new RateLimitedError(
          `Too many requests: this key may make ${opts.perSecond} requests per second. Wait for the Retry-After seconds and try again.`,
          1,
          { limit_per_second: opts.perSecond },
        )
      }
    })
  },
  { name: 'switchboard-rate-limit', dependencies: ['switchboard-auth'] },
)
