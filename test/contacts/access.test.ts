import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

// Tenant isolation and scopes on every contacts, tags, fields, team and import route.

forEachDatabase('contacts and team access', (kind) => {
  const t = useTestApp(kind)

  async function seedA() {
    const a = await t().seedBusiness('A')
    const req = (method: string, path: string, body?: unknown) => t().request(method, path, { key: a.apiKey, body })
    await req('POST', '/v1/contact-fields', { key: 'city', label: 'City', type: 'string' })
    const contact = (await req('POST', '/v1/contacts', { phone: '+14155550801', name: 'A person', tags: ['a-tag'] })).body.data
    const tag = (await req('GET', '/v1/tags')).body.data[0]
    const member = (await req('POST', '/v1/team/members', { name: 'A member', email: `a${Date.now()}${Math.random()}@example.com`, role: 'agent' })).body.data
    const team = (await req('POST', '/v1/teams', { name: 'A team', member_ids: [member.id] })).body.data
    const imp = await t().request('POST', '/v1/contacts/import', { key: a.apiKey, raw: 'phone\n+14155550802\n', headers: { 'content-type': 'text/csv' } })
    expect(imp.status).toBe(202)
    return { ...a, contact, tag, member, team, importId: imp.body.data.id as string }
  }

  it('another business gets 404 for every id of business A, and changes nothing', async () => {
    const a = await seedA()
    const b = await t().seedBusiness('B')
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/v1/contacts/${a.contact.id}`],
      ['PATCH', `/v1/contacts/${a.contact.id}`, { name: 'hacked' }],
      ['DELETE', `/v1/contacts/${a.contact.id}`],
      ['POST', `/v1/contacts/${a.contact.id}/tags`, { tags: ['x'] }],
      ['DELETE', `/v1/contacts/${a.contact.id}/tags/a-tag`],
      ['POST', `/v1/contacts/${a.contact.id}/opt-out`],
      ['POST', `/v1/contacts/${a.contact.id}/opt-in`],
      ['PATCH', `/v1/tags/${a.tag.id}`, { name: 'hacked' }],
      ['DELETE', `/v1/tags/${a.tag.id}`],
      ['PATCH', '/v1/contact-fields/city', { label: 'hacked' }],
      ['DELETE', '/v1/contact-fields/city'],
      ['GET', `/v1/contacts/imports/${a.importId}`],
      ['GET', `/v1/team/members/${a.member.id}`],
      ['PATCH', `/v1/team/members/${a.member.id}`, { name: 'hacked' }],
      ['DELETE', `/v1/team/members/${a.member.id}`],
      ['GET', `/v1/teams/${a.team.id}`],
      ['PATCH', `/v1/teams/${a.team.id}`, { name: 'hacked' }],
      ['DELETE', `/v1/teams/${a.team.id}`],
    ]
    for (const [method, path, body] of calls) {
      const res = await t().request(method, path, { key: b.apiKey, body })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.body.error.code).toBe('not_found')
      expect(JSON.stringify(res.body)).not.toContain('A person')
    }
    // B's lists and exports hold nothing of A's; B's duplicate phone is its own contact.
    for (const path of ['/v1/contacts', '/v1/tags', '/v1/contact-fields', '/v1/team/members', '/v1/teams']) {
      expect((await t().request('GET', path, { key: b.apiKey })).body.data, path).toEqual([])
    }
    expect((await t().request('GET', '/v1/contacts/export', { key: b.apiKey })).body).toBe('phone,name,first_name,last_name,email,language,tags\n')
    expect((await t().request('POST', '/v1/contacts', { key: b.apiKey, body: { phone: '+14155550801' } })).status).toBe(201)
    const still = await t().request('GET', `/v1/contacts/${a.contact.id}`, { key: a.apiKey })
    expect(still.body.data).toMatchObject({ name: 'A person', tags: ['a-tag'], opted_out: false })
    expect((await t().request('GET', `/v1/teams/${a.team.id}`, { key: a.apiKey })).body.data.name).toBe('A team')
  })

  it('each route needs its scope: 403 naming it for a key without', async () => {
    const a = await seedA()
    const c = a.contact.id
    const routes: Array<[string, string, string, unknown?]> = [
      ['contacts:write', 'POST', '/v1/contacts', { phone: '+14155550803' }],
      ['contacts:read', 'GET', '/v1/contacts'],
      ['contacts:read', 'GET', `/v1/contacts/${c}`],
      ['contacts:write', 'PATCH', `/v1/contacts/${c}`, { name: 'x' }],
      ['contacts:write', 'DELETE', `/v1/contacts/${c}`],
      ['contacts:write', 'POST', `/v1/contacts/${c}/tags`, { tags: ['x'] }],
      ['contacts:write', 'DELETE', `/v1/contacts/${c}/tags/a-tag`],
      ['contacts:write', 'POST', `/v1/contacts/${c}/opt-out`],
      ['contacts:write', 'POST', `/v1/contacts/${c}/opt-in`],
      ['contacts:write', 'POST', '/v1/contacts/import'],
      ['contacts:read', 'GET', `/v1/contacts/imports/${a.importId}`],
      ['contacts:read', 'GET', '/v1/contacts/export'],
      ['contacts:write', 'POST', '/v1/tags', { name: 'x' }],
      ['contacts:read', 'GET', '/v1/tags'],
      ['contacts:write', 'PATCH', `/v1/tags/${a.tag.id}`, { name: 'y' }],
      ['contacts:write', 'DELETE', `/v1/tags/${a.tag.id}`],
      ['contacts:write', 'POST', '/v1/contact-fields', { key: 'k', label: 'K', type: 'string' }],
      ['contacts:read', 'GET', '/v1/contact-fields'],
      ['contacts:write', 'PATCH', '/v1/contact-fields/city', { label: 'x' }],
      ['contacts:write', 'DELETE', '/v1/contact-fields/city'],
      ['team:write', 'POST', '/v1/team/members', { name: 'x', email: 'x@example.com', role: 'agent' }],
      ['team:read', 'GET', '/v1/team/members'],
      ['team:read', 'GET', `/v1/team/members/${a.member.id}`],
      ['team:write', 'PATCH', `/v1/team/members/${a.member.id}`, { name: 'x' }],
      ['team:write', 'DELETE', `/v1/team/members/${a.member.id}`],
      ['team:write', 'POST', '/v1/teams', { name: 'x' }],
      ['team:read', 'GET', '/v1/teams'],
      ['team:read', 'GET', `/v1/teams/${a.team.id}`],
      ['team:write', 'PATCH', `/v1/teams/${a.team.id}`, { name: 'x' }],
      ['team:write', 'DELETE', `/v1/teams/${a.team.id}`],
    ]
    const readOnly = await t().keyWith(a.businessId, ['contacts:read', 'team:read'])
    const unrelated = await t().keyWith(a.businessId, ['templates:read'])
    for (const [scope, method, path, body] of routes) {
      const key = scope.endsWith(':read') ? unrelated : readOnly
      const res = await t().request(method, path, { key, body })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.body.error).toEqual({ code: 'forbidden', details: { required_scope: scope } })
      expect(res.body.message).toBe(`This API key lacks the scope "${scope}"; create a key that has it (or admin).`)
    }
    const none = await t().request('GET', '/v1/contacts')
    expect(none.status).toBe(401)
    // The read scope is enough to read.
    expect((await t().request('GET', `/v1/contacts/${c}`, { key: readOnly })).status).toBe(200)
    expect((await t().request('GET', '/v1/teams', { key: readOnly })).status).toBe(200)
  })
})
