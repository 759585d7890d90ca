import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('tags and custom fields', (kind) => {
  const t = useTestApp(kind)

  async function setup() {
    const { apiKey } = await t().seedBusiness()
    return (method: string, path: string, body?: unknown) => t().request(method, path, { key: apiKey, body })
  }

  it('tags: create, list alphabetically with contact counts, rename, delete detaches', async () => {
    const req = await setup()
    const vip = await req('POST', '/v1/tags', { name: ' VIP ', color: '#1f883d' })
    expect(vip.status).toBe(201)
    expect(vip.body.data).toMatchObject({ name: 'VIP', color: '#1f883d', contact_count: 0 })
    await req('POST', '/v1/tags', { name: 'alpha' })
    const c = (await req('POST', '/v1/contacts', { phone: '+14155550701', tags: ['vip', 'beta'] })).body.data
    expect(c.tags).toEqual(['beta', 'VIP'])
    const list = await req('GET', '/v1/tags')
    expect(list.body.data.map((x: { name: string; contact_count: number }) => [x.name, x.contact_count])).toEqual([
      ['alpha', 0],
      ['beta', 1],
      ['VIP', 1],
    ])
    const page = await req('GET', '/v1/tags?page_size=2')
    expect(page.body.data).toHaveLength(2)
    const rest = await req('GET', `/v1/tags?page_size=2&page_token=${page.body.next_page_token}`)
    expect(rest.body.data.map((x: { name: string }) => x.name)).toEqual(['VIP'])
    const renamed = await req('PATCH', `/v1/tags/${vip.body.data.id}`, { name: 'Gold' })
    expect(renamed.body.data).toMatchObject({ name: 'Gold', contact_count: 1 })
    expect((await req('DELETE', `/v1/tags/${vip.body.data.id}`)).status).toBe(200)
    expect((await req('GET', `/v1/contacts/${c.id}`)).body.data.tags).toEqual(['beta'])
    expect((await req('DELETE', `/v1/tags/${vip.body.data.id}`)).status).toBe(404)
  })

  it('tags: names are unique ignoring case and 1–64 characters', async () => {
    const req = await setup()
    await req('POST', '/v1/tags', { name: 'Lead' })
    const dup = await req('POST', '/v1/tags', { name: 'LEAD' })
    expect(dup.status).toBe(409)
    expect(dup.body).toEqual({ message: 'A tag named "LEAD" already exists (names ignore case); use that tag or choose another name.', error: { code: 'tag_exists', details: { name: 'LEAD' } } })
    const other = (await req('POST', '/v1/tags', { name: 'Other' })).body.data
    const clash = await req('PATCH', `/v1/tags/${other.id}`, { name: 'lead' })
    expect(clash.status).toBe(409)
    const long = await req('POST', '/v1/tags', { name: 'x'.repeat(65) })
    expect(long.status).toBe(400)
    expect(long.body.message).toBe(`A tag name must be 1 to 64 characters; "${'x'.repeat(65)}" is not.`)
    const blank = await req('POST', '/v1/tags', { name: '   ' })
    expect(blank.status).toBe(400)
    expect(blank.body.error.details.fields).toEqual([{ field: 'name', problem: 'must be 1 to 64 characters' }])
    const color = await req('POST', '/v1/tags', { name: 'c', color: 'red' })
    expect(color.status).toBe(400)
  })

  it('fields: create, list, relabel, delete removes the values', async () => {
    const req = await setup()
    const f = await req('POST', '/v1/contact-fields', { key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium'] })
    expect(f.status).toBe(201)
    expect(f.body.data).toMatchObject({ key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium'] })
    await req('POST', '/v1/contact-fields', { key: 'visits', label: 'Visits', type: 'number' })
    expect((await req('GET', '/v1/contact-fields')).body.data.map((x: { key: string }) => x.key)).toEqual(['plan_tier', 'visits'])
    const c = (await req('POST', '/v1/contacts', { phone: '+14155550711', fields: { plan_tier: 'free', visits: 2 } })).body.data
    expect((await req('PATCH', '/v1/contact-fields/plan_tier', { label: 'Plan tier' })).body.data.label).toBe('Plan tier')
    expect((await req('DELETE', '/v1/contact-fields/visits')).status).toBe(200)
    expect((await req('GET', `/v1/contacts/${c.id}`)).body.data.fields).toEqual({ plan_tier: 'free' })
    expect((await req('DELETE', '/v1/contact-fields/visits')).status).toBe(404)
  })

  it('fields: 400 for bad keys, types and options; 409 for a taken key', async () => {
    const req = await setup()
    const bad = await req('POST', '/v1/contact-fields', { key: 'Plan Tier', label: 'x', type: 'text' })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe(
      'The field definition is invalid: key must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 64 characters); type must be one of string, number, boolean, date, enum.',
    )
    const noOptions = await req('POST', '/v1/contact-fields', { key: 'plan', label: 'Plan', type: 'enum' })
    expect(noOptions.body.error.details.fields).toEqual([{ field: 'options', problem: 'must list at least one option for an enum field' }])
    const strayOptions = await req('POST', '/v1/contact-fields', { key: 'n', label: 'N', type: 'number', options: ['a'] })
    expect(strayOptions.body.error.details.fields).toEqual([{ field: 'options', problem: 'are only for enum fields; leave them out' }])
    await req('POST', '/v1/contact-fields', { key: 'city', label: 'City', type: 'string' })
    const dup = await req('POST', '/v1/contact-fields', { key: 'city', label: 'Town', type: 'string' })
    expect(dup.status).toBe(409)
    expect(dup.body.message).toBe('A custom field with the key "city" already exists; choose another key or update that field.')
    expect((await req('PATCH', '/v1/contact-fields/nope', { label: 'x' })).status).toBe(404)
  })

  it('fields: a type change is refused with how many values would not fit, and converts values that do', async () => {
    const req = await setup()
    await req('POST', '/v1/contact-fields', { key: 'score', label: 'Score', type: 'string' })
    const a = (await req('POST', '/v1/contacts', { phone: '+14155550721', fields: { score: '42' } })).body.data
    await req('POST', '/v1/contacts', { phone: '+14155550722', fields: { score: 'high' } })
    await req('POST', '/v1/contacts', { phone: '+14155550723', fields: { score: 'high' } })
    const refused = await req('PATCH', '/v1/contact-fields/score', { type: 'number' })
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({
      message: '2 contacts hold a "score" value that is not a valid number; change or clear those values first.',
      error: { code: 'field_values_incompatible', details: { key: 'score', incompatible_count: 2, examples: ['high'] } },
    })
    for (const phone of ['+14155550722', '+14155550723']) {
      const c = (await req('POST', '/v1/contacts?upsert=true', { phone, fields: { score: null } })).body.data
      expect(c.fields).toEqual({})
    }
    const changed = await req('PATCH', '/v1/contact-fields/score', { type: 'number' })
    expect(changed.status).toBe(200)
    expect((await req('GET', `/v1/contacts/${a.id}`)).body.data.fields).toEqual({ score: 42 })
    // Narrowing enum options is a type change too.
    await req('POST', '/v1/contact-fields', { key: 'plan', label: 'Plan', type: 'enum', options: ['free', 'pro'] })
    await req('POST', '/v1/contacts', { phone: '+14155550724', fields: { plan: 'pro' } })
    const narrowed = await req('PATCH', '/v1/contact-fields/plan', { options: ['free'] })
    expect(narrowed.status).toBe(409)
    expect(narrowed.body.message).toBe('1 contact holds a "plan" value that is not one of the new options; change or clear those values first.')
  })
})
