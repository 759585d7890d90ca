import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('member login and sessions', (kind) => {
  let now = new Date('2026-03-01T10:00:00.000Z')
  const t = useTestApp(kind, { clock: () => now })
  const pw = 'correct horse battery'
  const email = () => `u${Math.random().toString(36).slice(2, 10)}@example.com`

  async function member(role: 'owner' | 'admin' | 'agent') {
    const { apiKey, businessId } = await t().seedBusiness()
    const e = email()
    const m = await t().request('POST', '/v1/team/members', { key: apiKey, body: { name: role, email: e, role, password: pw } })
    const login = await t().request('POST', '/v1/auth/login', { body: { email: e.toUpperCase(), password: pw } })
    expect(login.status).toBe(200)
    return { apiKey, businessId, email: e, id: m.body.data.id as string, token: login.body.data.token as string, cookie: String(login.headers['set-cookie']) }
  }

  it('login sets an httpOnly SameSite=Lax cookie and returns a bearer token; both work; logout ends the session', async () => {
    const m = await member('agent')
    expect(m.token).toMatch(/^sbs_/)
    expect(m.cookie).toMatch(/^sb_session=sbs_[\w-]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/)
    const viaBearer = await t().request('GET', '/v1/auth/me', { key: m.token })
    expect(viaBearer.body.data).toMatchObject({ kind: 'member', id: m.id, business_id: m.businessId, role: 'agent' })
    expect(viaBearer.body.data.scopes).toContain('contacts:write')
    const viaCookie = await t().request('GET', '/v1/contacts', { headers: { cookie: m.cookie.split(';')[0] } })
    expect(viaCookie.status).toBe(200)
    const out = await t().request('POST', '/v1/auth/logout', { headers: { cookie: m.cookie.split(';')[0] } })
    expect(out.status).toBe(200)
    expect(String(out.headers['set-cookie'])).toMatch(/^sb_session=; Max-Age=0/)
    expect((await t().request('GET', '/v1/auth/me', { key: m.token })).status).toBe(401)
  })

  it('a wrong password or unknown email is one vague 401', async () => {
    const m = await member('agent')
    const wrong = await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: 'not the password' } })
    const unknown = await t().request('POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: pw } })
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401)
      expect(r.body).toEqual({ message: 'The email or password is not right; check both and try again.', error: { code: 'invalid_credentials', details: {} } })
    }
  })

  it('repeated failures for an email are slowed down, then allowed again once the wait has passed', async () => {
    const m = await member('agent')
    for (let i = 0; i < 5; i++) {
      expect((await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: 'wrong password!' } })).status).toBe(401)
    }
    const slowed = await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: pw } })
    expect(slowed.status).toBe(429)
    expect(slowed.headers['retry-after']).toBe('1')
    expect(slowed.body.message).toBe('Too many failed sign-ins for this email or from this address; wait 1 seconds and try again.')
    now = new Date(now.getTime() + 1500)
    expect((await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: 'wrong again!!' } })).status).toBe(401)
    const longer = await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: pw } })
    expect(longer.status).toBe(429)
    expect(longer.headers['retry-after']).toBe('2')
    now = new Date(now.getTime() + 2500)
    expect((await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: pw } })).status).toBe(200)
    // Success clears the email's streak.
    expect((await t().request('POST', '/v1/auth/login', { body: { email: m.email, password: 'wrong password!' } })).status).toBe(401)
  })

  it('many failures from one address are slowed down whatever the email', async () => {
    const ip = '203.0.113.9'
    const attempt = (e: string) => t().app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: ip, payload: { email: e, password: 'guessing-password' } })
    for (let i = 0; i < 20; i++) expect((await attempt(email())).statusCode).toBe(401)
    const slowed = await attempt(email())
    expect(slowed.statusCode).toBe(429)
    expect(slowed.json().error).toEqual({ code: 'rate_limited', details: { retry_after_s: 1, reason: 'login_failures' } })
  })

  it('sessions act with the member’s role: agents manage contacts but not the team or API keys', async () => {
    const agent = await member('agent')
    const as = (method: string, path: string, body?: unknown) => t().request(method, path, { key: agent.token, body })
    expect((await as('POST', '/v1/contacts', { phone: '+14155550601' })).status).toBe(201)
    expect((await as('POST', '/v1/tags', { name: 'x' })).status).toBe(201)
    expect((await as('GET', '/v1/team/members')).status).toBe(200)
    const write = await as('POST', '/v1/team/members', { name: 'X', email: email(), role: 'agent' })
    expect(write.status).toBe(403)
    expect(write.body).toEqual({ message: 'Your role (agent) does not allow this; ask an owner or admin.', error: { code: 'forbidden', details: { required_scope: 'team:write' } } })
    expect((await as('POST', '/v1/teams', { name: 'T' })).status).toBe(403)
    expect((await as('GET', '/v1/api-keys')).status).toBe(403)
    expect((await as('POST', '/v1/api-keys', { name: 'k', scopes: ['admin'] })).status).toBe(403)
  })

  it('admins manage the team but not owners or API keys; owners manage everything', async () => {
    const admin = await member('admin')
    const as = (method: string, path: string, body?: unknown, key = admin.token) => t().request(method, path, { key, body })
    expect((await as('POST', '/v1/team/members', { name: 'Agent', email: email(), role: 'agent' })).status).toBe(201)
    const owner = await as('POST', '/v1/team/members', { name: 'Boss', email: email(), role: 'owner' })
    expect(owner.status).toBe(403)
    expect(owner.body).toEqual({ message: 'Only an owner can add, change or remove owners; ask an owner.', error: { code: 'owner_only', details: { required_scope: 'admin' } } })
    const realOwner = (await as('POST', '/v1/team/members', { name: 'Boss', email: email(), role: 'owner', password: pw }, admin.apiKey)).body.data
    expect((await as('PATCH', `/v1/team/members/${realOwner.id}`, { name: 'Renamed' })).status).toBe(403)
    expect((await as('DELETE', `/v1/team/members/${realOwner.id}`)).status).toBe(403)
    expect((await as('PATCH', `/v1/team/members/${admin.id}`, { role: 'owner' })).status).toBe(403)
    expect((await as('GET', '/v1/api-keys')).status).toBe(403)

    const login = await t().request('POST', '/v1/auth/login', { body: { email: realOwner.email, password: pw } })
    const ownerToken = login.body.data.token
    expect((await as('GET', '/v1/api-keys', undefined, ownerToken)).status).toBe(200)
    expect((await as('PATCH', `/v1/team/members/${admin.id}`, { role: 'owner' }, ownerToken)).status).toBe(200)
    // The new role applies to the admin's existing session at once.
    expect((await as('GET', '/v1/api-keys')).status).toBe(200)
  })

  it('a new password signs the member out everywhere', async () => {
    const m = await member('agent')
    const res = await t().request('PATCH', `/v1/team/members/${m.id}`, { key: m.apiKey, body: { password: 'a brand new passphrase' } })
    expect(res.status).toBe(200)
    expect((await t().request('GET', '/v1/auth/me', { key: m.token })).status).toBe(401)
  })

  it('sessions expire after 7 days without use', async () => {
    const m = await member('agent')
    now = new Date(now.getTime() + 8 * 24 * 3600 * 1000)
    expect((await t().request('GET', '/v1/auth/me', { key: m.token })).status).toBe(401)
  })
})
