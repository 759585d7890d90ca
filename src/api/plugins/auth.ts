import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js'
import type { Principal } from '../../domain/principal.js'
import { hasScope } from '../../domain/scopes.js'
import { authenticateKey } from '../../services/api-keys.js'
import type { Deps } from '../../services/deps.js'

/**
 * Something that can turn a request's credentials into a principal. API keys are built in; the team
 * area adds member sessions (cookie or bearer session token) with `addAuthenticator`.
 */
export type Authenticator = (deps: Deps, req: FastifyRequest, bearer: string | null) => Promise<Principal | null>

const authenticators: Authenticator[] = []
export function addAuthenticator(a: Authenticator): void {
  if (!authenticators.includes(a)) authenticators.push(a)
}

function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization
  if (typeof h === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim())
    if (m) return m[1].trim()
  }
  const k = req.headers['x-api-key']
  return typeof k === 'string' && k.trim() ? k.trim() : null
}

export async function authenticate(deps: Deps, req: FastifyRequest): Promise<Principal> {
  const bearer = bearerOf(req)
  if (bearer) {
    const p = await authenticateKey(deps, bearer)
    if (p) return p
  }
  for (const a of authenticators) {
    const p = await a(deps, req, bearer)
    if (p) return p
  }
  if (bearer) throw new UnauthorizedError('unauthorized', 'The API key is not valid or has been revoked; check it, or create a new one.')
  throw new UnauthorizedError(
    'unauthorized',
    'This endpoint needs an API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  )
}

/** Authenticates routes that declare `config.scope` or `config.auth`, and enforces the scope. */
export const authPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('auth', null)
    app.addHook('onRoute', (route) => {
      const cfg = route.config ?? {}
      if (route.url.startsWith('/v1') && !cfg.scope && !cfg.auth && !cfg.public) {
        // Default-deny: a /v1 route that forgot to declare its access would otherwise be public.
        throw new Error(`Route ${route.method} ${route.url} must declare config.scope, config.auth or config.public`)
      }
    })
    app.addHook('onRequest', async (req) => {
      const cfg = req.routeOptions.config
      if (!cfg || (!cfg.scope && !cfg.auth)) return
      const principal = await authenticate(app.deps, req)
      req.auth = principal
      if (cfg.scope && !hasScope(principal.scopes, cfg.scope)) {
        throw new ForbiddenError(
          'forbidden',
          principal.kind === 'member'
            ? `Your role (${principal.role}) does not allow this; ask an owner or admin.`
            : `This API key lacks the scope "${cfg.scope}"; create a key that has it (or admin).`,
          { required_scope: cfg.scope },
        )
      }
    })
  },
  { name: 'switchboard-auth', dependencies: ['switchboard-errors'] },
)

/** The principal of an authenticated route (set by the auth hook before any handler runs). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.auth) throw new UnauthorizedError('unauthorized', 'This endpoint needs an API key.')
  return req.auth
}
