import { expect, it } from 'vitest'
import { assertMemberOfBusiness } from '../../src/services/members.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('team members and teams', (kind) => {
  const t = useTestApp(kind)
  const pw = 'correct horse battery'

  async function setup() {
    const { apiKey, businessId } = await t().seedBusiness()
    const req = (method: string, path: string, body?: unknown, key = apiKey) => t().request(method, path, { key, body })
    return { apiKey, businessId, req }
  }
  const email = () => `m${Math.random().toString(36).slice(2, 10)}@example.com`

  it('adds members with a password (never returned) or an invite token to set one', async () => {
    const { req } = await setup()
    const withPw = await req('POST', '/v1/team/members', { name: 'Owner', email: email(), role: 'owner', password: pw })
    expect(withPw.status).toBe(201)
    expect(withPw.body.data).toMatchObject({ name: 'Owner', role: 'owner', has_password: true, invite_token: null })
    expect(JSON.stringify(withPw.body)).not.toContain('password_hash')
    const invited = await req('POST', '/v1/team/members', { name: 'Agent', email: email(), role: 'agent' })
    expect(invited.body.data).toMatchObject({ has_password: false })
    expect(invited.body.data.invite_token).toMatch(/^[\w-]{30,}$/)
    const accepted = await t().request('POST', '/v1/auth/accept-invite', { body: { token: invited.body.data.invite_token, password: pw } })
    expect(accepted.status).toBe(200)
    expect(accepted.body.data.member).toMatchObject({ id: invited.body.data.id, has_password: true })
    const reused = await t().request('POST', '/v1/auth/accept-invite', { body: { token: invited.body.data.invite_token, password: pw } })
    expect(reused.status).toBe(404)
    expect(reused.body.message).toBe('This invite is not valid or has expired; ask an owner or admin for a new one.')
    const list = await req('GET', '/v1/team/members')
    expect(list.body.data.map((m: { name: string }) => m.name)).toEqual(['Owner', 'Agent'])
  })

  it('400 for every bad member field, with the message the user sees', async () => {
    const { req } = await setup()
    const bad = await req('POST', '/v1/team/members', { name: ' ', email: 'nope', role: 'agent' })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe('Some member fields are invalid: name must be 1 to 100 characters; email is not an email address, such as ana@example.com.')
    const short = await req('POST', '/v1/team/members', { name: 'A', email: email(), role: 'agent', password: 'short' })
    expect(short.status).toBe(400)
    expect(short.body.message).toBe('The password must be 10 to 200 characters long; choose a longer passphrase.')
    expect(short.body.error.details.fields).toEqual([{ field: 'password', problem: 'must be 10 to 200 characters' }])
    const role = await req('POST', '/v1/team/members', { name: 'A', email: email(), role: 'boss' })
    expect(role.status).toBe(400)
    expect(role.body.error.details.fields[0].field).toBe('role')
  })

  it('409 email_taken, ignoring case, across businesses too', async () => {
    const { req } = await setup()
    const other = await setup()
    const e = email()
    await req('POST', '/v1/team/members', { name: 'A', email: e, role: 'agent' })
    const dup = await other.req('POST', '/v1/team/members', { name: 'B', email: e.toUpperCase(), role: 'agent' })
    expect(dup.status).toBe(409)
    expect(dup.body.message).toBe(`A member with the email ${e.toUpperCase()} already exists; use another email or update that member.`)
  })

  it('the last owner cannot be demoted or removed', async () => {
    const { req } = await setup()
    const owner = (await req('POST', '/v1/team/members', { name: 'O1', email: email(), role: 'owner', password: pw })).body.data
    const demote = await req('PATCH', `/v1/team/members/${owner.id}`, { role: 'admin' })
    expect(demote.status).toBe(409)
    expect(demote.body).toEqual({ message: 'This is the business’s last owner; make another member an owner first.', error: { code: 'last_owner', details: {} } })
    expect((await req('DELETE', `/v1/team/members/${owner.id}`)).status).toBe(409)
    const second = (await req('POST', '/v1/team/members', { name: 'O2', email: email(), role: 'owner' })).body.data
    expect((await req('PATCH', `/v1/team/members/${owner.id}`, { role: 'admin' })).status).toBe(200)
    expect((await req('DELETE', `/v1/team/members/${second.id}`)).status).toBe(409)
    expect((await req('PATCH', `/v1/team/members/${owner.id}`, { role: 'owner' })).status).toBe(200)
    expect((await req('DELETE', `/v1/team/members/${second.id}`)).status).toBe(200)
  })

  it('teams hold members of the business only; names unique ignoring case', async () => {
    const { req } = await setup()
    const other = await setup()
    const a = (await req('POST', '/v1/team/members', { name: 'A', email: email(), role: 'agent' })).body.data
    const b = (await req('POST', '/v1/team/members', { name: 'B', email: email(), role: 'agent' })).body.data
    const foreign = (await other.req('POST', '/v1/team/members', { name: 'F', email: email(), role: 'agent' })).body.data
    const team = await req('POST', '/v1/teams', { name: 'Support', member_ids: [a.id] })
    expect(team.status).toBe(201)
    expect(team.body.data).toMatchObject({ name: 'Support', member_ids: [a.id] })
    const dup = await req('POST', '/v1/teams', { name: 'support' })
    expect(dup.status).toBe(409)
    expect(dup.body.message).toBe('A team named "support" already exists (names ignore case); choose another name.')
    const bad = await req('PATCH', `/v1/teams/${team.body.data.id}`, { member_ids: [b.id, foreign.id] })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe(`These ids are not members of this business: ${foreign.id}; list members with GET /v1/team/members.`)
    expect(bad.body.error.details.fields).toEqual([{ field: 'member_ids[1]', problem: 'is not a member of this business' }])
    const ok = await req('PATCH', `/v1/teams/${team.body.data.id}`, { name: 'Tier 1', member_ids: [b.id, a.id] })
    expect(ok.body.data).toMatchObject({ name: 'Tier 1', member_ids: [a.id, b.id].sort() })
    expect((await req('DELETE', `/v1/team/members/${a.id}`)).status).toBe(200)
    expect((await req('GET', `/v1/teams/${team.body.data.id}`)).body.data.member_ids).toEqual([b.id])
    expect((await req('DELETE', `/v1/teams/${team.body.data.id}`)).status).toBe(200)
    expect((await req('GET', '/v1/teams')).body.data).toEqual([])
  })

  it('assertMemberOfBusiness accepts the business’s members and teams, and 400s for anyone else’s', async () => {
    const { req, businessId } = await setup()
    const other = await setup()
    const m = (await req('POST', '/v1/team/members', { name: 'A', email: email(), role: 'agent' })).body.data
    const team = (await req('POST', '/v1/teams', { name: 'T' })).body.data
    const foreign = (await other.req('POST', '/v1/team/members', { name: 'F', email: email(), role: 'agent' })).body.data
    await expect(assertMemberOfBusiness(t().deps, businessId, { memberId: m.id, teamId: team.id })).resolves.toBeUndefined()
    await expect(assertMemberOfBusiness(t().deps, businessId, { memberId: foreign.id })).rejects.toMatchObject({
      code: 'invalid_assignee',
      message: 'Cannot assign: assignee_id is not a member of this business; list members with GET /v1/team/members.',
    })
    await expect(assertMemberOfBusiness(t().deps, other.businessId, { teamId: team.id })).rejects.toMatchObject({ category: 'validation' })
  })
})
