import { fastifyCookie } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Deps } from '../../services/deps.js'
import { acceptInvite, authenticateSession, login, logout, SESSION_MS, SESSION_PREFIX, type Session } from '../../services/sessions.js'
import { addAuthenticator, principalOf } from '../plugins/auth.js'
import { Envelope, Timestamp, iso } from '../schemas.js'
import { RoleSchema, MemberView, toMemberView } from '../views/member.js'

// Inbox sign-in. The session token travels as an httpOnly SameSite=Lax cookie for the browser, and is
// also returned for scripts to send as a bearer token. The authenticator below makes a session act
// with its member's role on every /v1 route.

export const SESSION_COOKIE = 'sb_session'

function sessionToken(req: FastifyRequest, bearer: string | null): string | null {
  if (bearer?.startsWith(SESSION_PREFIX)) return bearer
  // Parsed here rather than by the cookie plugin, which is registered in this plugin's scope only.
  const header = req.headers.cookie
  const fromCookie = header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined
  return fromCookie?.startsWith(SESSION_PREFIX) ? fromCookie : null
}

async function sessionAuthenticator(deps: Deps, req: FastifyRequest, bearer: string | null) {
  const token = sessionToken(req, bearer)
  return token ? authenticateSession(deps, token) : null
}

const SessionView = Type.Object({
  token: Type.String({ description: 'Send as "Authorization: Bearer <token>" from scripts; browsers use the cookie.' }),
  expires_at: Timestamp,
  member: MemberView,
})

const MeView = Type.Object({
  kind: Type.Union([Type.Literal('member'), Type.Literal('api_key')]),
  id: Type.String({ format: 'uuid' }),
  business_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  role: Type.Union([RoleSchema, Type.Null()]),
  scopes: Type.Array(Type.String()),
})

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  addAuthenticator(sessionAuthenticator)
  await app.register(fastifyCookie)
  const tags = ['auth']
  const secure = app.deps.config.publicUrl.startsWith('https://')

  function sendSession(reply: FastifyReply, s: Session, message: string) {
    reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: Math.floor(SESSION_MS / 1000) })
    return reply.send({ message, data: { token: s.token, expires_at: iso(s.expiresAt), member: toMemberView(s.member) } })
  }

  app.post(
    '/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in a team member',
        description: 'Sets the session cookie and returns the token. Repeated failures for an email or from an address are slowed down (429 with Retry-After).',
        body: Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Envelope(SessionView) },
      },
    },
    async (req, reply) => sendSession(reply, await login(app.deps, { email: req.body.email, password: req.body.password, ip: req.ip }), 'Signed in'),
  )

  app.post(
    '/v1/auth/accept-invite',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Accept an invite',
        description: 'Sets the password of an invited member (the invite_token from POST /v1/team/members) and signs them in.',
        body: Type.Object({ token: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Envelope(SessionView) },
      },
    },
    async (req, reply) => sendSession(reply, await acceptInvite(app.deps, req.body), 'Invite accepted; signed in'),
  )

  app.post(
    '/v1/auth/logout',
    {
      config: { auth: true },
      schema: { tags, summary: 'Sign out', description: 'Ends this session and clears the cookie.', response: { 200: Envelope(Type.Object({ signed_out: Type.Boolean() })) } },
    },
    async (req, reply) => {
      const h = req.headers.authorization
      const bearer = typeof h === 'string' ? (/^Bearer\s+(.+)$/i.exec(h.trim())?.[1] ?? null) : null
      await logout(app.deps, sessionToken(req, bearer) ?? bearer ?? '')
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return { message: 'Signed out', data: { signed_out: true } }
    },
  )

  app.get(
    '/v1/auth/me',
    { config: { auth: true }, schema: { tags, summary: 'Who am I', description: 'The member (or API key) making the request, with its scopes.', response: { 200: Envelope(MeView) } } },
    async (req) => {
      const p = principalOf(req)
      return { message: 'Principal retrieved', data: { kind: p.kind, id: p.id, business_id: p.businessId, name: p.name, role: p.role, scopes: [...p.scopes].sort() } }
    },
  )
}
