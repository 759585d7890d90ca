import type { Principal } from '../domain/principal.js'
import type { Scope } from '../domain/scopes.js'
import type { Deps } from '../services/deps.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a caller needs; routes under /v1 must declare it, `auth` or `public`. */
    scope?: Scope
    /** Any authenticated caller (API key or member session) may call it. */
    auth?: boolean
    /** Explicitly public (no credentials). */
    public?: boolean
    /** Honour the Idempotency-Key header. */
    idempotent?: boolean
    /** Exempt from the per-key rate limit (health and metrics). */
    rateLimit?: false
  }
  interface FastifyRequest {
    auth: Principal | null
  }
  interface FastifyInstance {
    deps: Deps
  }
}
