import { expect, it } from 'vitest'
import { findOrCreateContactByPhone, optOutOnKeyword } from '../../src/services/contacts.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('contacts', (kind) => {
  const t = useTestApp(kind)

  async function setup() {
    const { apiKey, businessId } = await t().seedBusiness()
    const post = (path: string, body: unknown) => t().request('POST', path, { key: apiKey, body })
    return { apiKey, businessId, post, get: (path: string) => t().request('GET', path, { key: apiKey }) }
  }

  it('creates a contact with the phone normalised to E.164, fields and tags', async () => {
    const { post, get } = await setup()
    await post('/v1/contact-fields', { key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium'] })
    const res = await post('/v1/contacts', {
      phone: '+1 (415) 555-0123',
      name: 'Ana Silva',
      first_name: 'Ana',
      email: 'ana@example.com',
      language: 'pt_BR',
      fields: { plan_tier: 'premium' },
      tags: ['VIP', 'lead', 'vip'],
    })
    expect(res.status).toBe(201)
    expect(res.body.message).toBe('Contact created')
    expect(res.body.data).toMatchObject({
      phone: '+14155550123',
      name: 'Ana Silva',
      first_name: 'Ana',
      last_name: null,
      email: 'ana@example.com',
      language: 'pt_BR',
      fields: { plan_tier: 'premium' },
      tags: ['lead', 'VIP'],
      opted_out: false,
    })
    const again = await get(`/v1/contacts/${res.body.data.id}`)
    expect(again.body.data).toEqual(res.body.data)
  })

  it('400 explains why a phone is invalid', async () => {
    const { post } = await setup()
    const cases: Array<[string, string]> = [
      ['4155550123', 'The phone number "4155550123" has no country code; start it with + and the country code, such as +14155550123.'],
      ['+1 415 CALL ME', 'The phone number "+1 415 CALL ME" contains letters; give digits in international format such as +14155550123.'],
      ['+1 415', 'The phone number "+1 415" is not a possible number for country code +1 (wrong length).'],
      ['', 'The phone number "" is empty; give a number in international format such as +14155550123.'],
    ]
    for (const [phone, message] of cases) {
      const res = await post('/v1/contacts', { phone })
      expect(res.status).toBe(400)
      expect(res.body.message).toBe(message)
      expect(res.body.error.code).toBe('invalid_phone')
      expect(res.body.error.details.fields[0].field).toBe('phone')
    }
    const missing = await post('/v1/contacts', { name: 'x' })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toBe('Some fields in the body are invalid: phone is required. Fix them and try again.')
  })

  it('400 lists every bad column at once', async () => {
    const { post } = await setup()
    const res = await post('/v1/contacts', { phone: '+14155550100', email: 'nope', language: 'english please' })
    expect(res.status).toBe(400)
    expect(res.body.message).toBe(
      'Some contact fields are invalid: email is not an email address, such as ana@example.com; language must be a language code such as en or pt_BR. Fix them and try again.',
    )
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['email', 'language'])
  })

  it('409 contact_exists names the existing contact; ?upsert=true merges instead', async () => {
    const { post } = await setup()
    await post('/v1/contact-fields', { key: 'visits', label: 'Visits', type: 'number' })
    await post('/v1/contact-fields', { key: 'city', label: 'City', type: 'string' })
    const first = await post('/v1/contacts', { phone: '+442071838750', name: 'Bo', fields: { visits: 1, city: 'London' }, tags: ['a'] })
    const dup = await post('/v1/contacts', { phone: '00 44 20 7183 8750', name: 'Other' })
    expect(dup.status).toBe(409)
    expect(dup.body.error).toEqual({ code: 'contact_exists', details: { id: first.body.data.id, phone: '+442071838750' } })
    expect(dup.body.message).toBe(
      `A contact with the phone +442071838750 already exists (id ${first.body.data.id}); update it with PATCH /v1/contacts/${first.body.data.id}, or send ?upsert=true to merge.`,
    )
    const merged = await post('/v1/contacts?upsert=true', { phone: '+44 20 7183 8750', email: 'bo@example.com', fields: { visits: 2 }, tags: ['b'] })
    expect(merged.status).toBe(200)
    expect(merged.body.message).toBe('Contact updated')
    expect(merged.body.data).toMatchObject({ id: first.body.data.id, name: 'Bo', email: 'bo@example.com', fields: { visits: 2, city: 'London' }, tags: ['a', 'b'] })
  })

  it('custom field values are checked: unknown field and wrong type name the field and the type', async () => {
    const { post } = await setup()
    await post('/v1/contact-fields', { key: 'visits', label: 'Visits', type: 'number' })
    await post('/v1/contact-fields', { key: 'vip', label: 'VIP', type: 'boolean' })
    await post('/v1/contact-fields', { key: 'birthday', label: 'Birthday', type: 'date' })
    await post('/v1/contact-fields', { key: 'plan', label: 'Plan', type: 'enum', options: ['free', 'pro'] })
    const res = await post('/v1/contacts', {
      phone: '+14155550111',
      fields: { visits: 'many', vip: 'yes', birthday: '2024-02-30', plan: 'gold', shoe_size: 42 },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_field_value')
    expect(res.body.error.details.fields).toEqual([
      { field: 'fields.visits', problem: 'must be a number (field type number)' },
      { field: 'fields.vip', problem: 'must be true or false (field type boolean)' },
      { field: 'fields.birthday', problem: 'must be a date as YYYY-MM-DD or an ISO 8601 date-time (field type date)' },
      { field: 'fields.plan', problem: 'must be one of "free", "pro" (field type enum)' },
      { field: 'fields.shoe_size', problem: 'is not a custom field of this business; create it first with POST /v1/contact-fields' },
    ])
    expect(res.body.message).toMatch(/^Some custom field values are invalid: fields\.visits must be a number \(field type number\); /)
    const ok = await post('/v1/contacts', { phone: '+14155550111', fields: { visits: 3, vip: true, birthday: '2024-02-29T10:00:00+02:00', plan: 'pro' } })
    expect(ok.status).toBe(201)
    expect(ok.body.data.fields).toEqual({ visits: 3, vip: true, birthday: '2024-02-29T08:00:00.000Z', plan: 'pro' })
  })

  it('PATCH replaces given values, merges fields (null removes), replaces tags; 409 on a taken phone', async () => {
    const { post, apiKey } = await setup()
    await post('/v1/contact-fields', { key: 'city', label: 'City', type: 'string' })
    await post('/v1/contact-fields', { key: 'zip', label: 'Zip', type: 'string' })
    const a = (await post('/v1/contacts', { phone: '+14155550121', name: 'A', email: 'a@example.com', fields: { city: 'X', zip: '1' }, tags: ['one'] })).body.data
    const b = (await post('/v1/contacts', { phone: '+14155550122' })).body.data
    const res = await t().request('PATCH', `/v1/contacts/${a.id}`, { key: apiKey, body: { name: 'Ann', email: null, fields: { city: 'Y', zip: null }, tags: ['two'] } })
    expect(res.status).toBe(200)
    expect(res.body.data).toMatchObject({ name: 'Ann', email: null, fields: { city: 'Y' }, tags: ['two'] })
    const clash = await t().request('PATCH', `/v1/contacts/${b.id}`, { key: apiKey, body: { phone: '+1 415 555 0121' } })
    expect(clash.status).toBe(409)
    expect(clash.body.error.code).toBe('contact_exists')
    expect(clash.body.message).toBe(`Another contact already has the phone +14155550121 (id ${a.id}); merge them or choose another phone.`)
  })

  it('DELETE erases personal data but keeps the row; the contact is gone from reads', async () => {
    const { post, get, apiKey, businessId } = await setup()
    await post('/v1/contact-fields', { key: 'city', label: 'City', type: 'string' })
    const c = (await post('/v1/contacts', { phone: '+14155550131', name: 'Erase Me', email: 'e@example.com', fields: { city: 'X' }, tags: ['gone'] })).body.data
    const del = await t().request('DELETE', `/v1/contacts/${c.id}`, { key: apiKey })
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ message: 'Contact deleted; its personal data is erased', data: { id: c.id, deleted: true } })
    expect((await get(`/v1/contacts/${c.id}`)).status).toBe(404)
    const row = await t().deps.store.contacts.byPhone(businessId, '+14155550131')
    expect(row).toBeNull()
    const raw = await t().deps.store.database.rows<{ phone: string | null; name: string | null; fields: object; erased_at: unknown }>(
      t().deps.store.database.db,
      (await import('drizzle-orm')).sql`SELECT phone, name, email, fields, erased_at FROM contacts WHERE id = ${c.id}::uuid`,
    )
    expect(raw[0]).toMatchObject({ phone: null, name: null, email: null, fields: {} })
    expect(raw[0].erased_at).toBeTruthy()
    const tags = (await get('/v1/tags')).body.data
    expect(tags.find((x: { name: string }) => x.name === 'gone').contact_count).toBe(0)
    // The phone is free again: a new message from it makes a new contact.
    expect((await post('/v1/contacts', { phone: '+14155550131' })).status).toBe(201)
    expect((await t().request('DELETE', `/v1/contacts/${c.id}`, { key: apiKey })).status).toBe(404)
  })

  it('tags a contact (creating tags on the fly) and untags by name', async () => {
    const { post, apiKey } = await setup()
    const c = (await post('/v1/contacts', { phone: '+14155550141' })).body.data
    const tagged = await post(`/v1/contacts/${c.id}/tags`, { tags: ['Newsletter', 'beta'] })
    expect(tagged.status).toBe(200)
    expect(tagged.body.data.tags).toEqual(['beta', 'Newsletter'])
    const untagged = await t().request('DELETE', `/v1/contacts/${c.id}/tags/NEWSLETTER`, { key: apiKey })
    expect(untagged.status).toBe(200)
    expect(untagged.body.data.tags).toEqual(['beta'])
    const again = await t().request('DELETE', `/v1/contacts/${c.id}/tags/newsletter`, { key: apiKey })
    expect(again.status).toBe(404)
    expect(again.body.message).toBe('The contact has no tag named "newsletter".')
    const tooLong = await post(`/v1/contacts/${c.id}/tags`, { tags: ['x'.repeat(65)] })
    expect(tooLong.status).toBe(400)
    const empty = await post(`/v1/contacts/${c.id}/tags`, { tags: [] })
    expect(empty.status).toBe(400)
    expect(empty.body.message).toBe('Give at least one tag name in "tags".')
  })

  it('opt-out and opt-in record time and source', async () => {
    const { post } = await setup()
    const c = (await post('/v1/contacts', { phone: '+14155550151' })).body.data
    const out = await post(`/v1/contacts/${c.id}/opt-out?source=web_form`, undefined)
    expect(out.status).toBe(200)
    expect(out.body.data).toMatchObject({ opted_out: true, opt_source: 'web_form' })
    expect(out.body.data.opted_out_at).toBe(out.body.data.opt_changed_at)
    const back = await post(`/v1/contacts/${c.id}/opt-in`, undefined)
    expect(back.body.data).toMatchObject({ opted_out: false, opted_out_at: null, opt_source: 'api' })
  })

  it('an inbound STOP keyword opts the contact out; other text does not', async () => {
    const { businessId } = await setup()
    const { contact } = await findOrCreateContactByPhone(t().deps, { businessId, phone: '14155550161' })
    expect(await optOutOnKeyword(t().deps, { businessId, contactId: contact.id, text: 'please stop sending' })).toBe(false)
    expect(await optOutOnKeyword(t().deps, { businessId, contactId: contact.id, text: ' Stop! ' })).toBe(true)
    const c = await t().deps.store.contacts.get(businessId, contact.id)
    expect(c).toMatchObject({ optedOut: true, optSource: 'keyword' })
  })

  it('findOrCreateContactByPhone creates once, then finds without writing; a profile name fills an empty name', async () => {
    const { businessId } = await setup()
    const a = await findOrCreateContactByPhone(t().deps, { businessId, phone: '+14155550171' })
    expect(a.created).toBe(true)
    const b = await findOrCreateContactByPhone(t().deps, { businessId, phone: '14155550171', name: 'Profile Name' })
    expect(b).toMatchObject({ created: false, contact: { id: a.contact.id, name: 'Profile Name' } })
    const c = await findOrCreateContactByPhone(t().deps, { businessId, phone: '+14155550171', name: 'Other' })
    expect(c).toMatchObject({ created: false, contact: { id: a.contact.id, name: 'Profile Name', updatedAt: b.contact.updatedAt } })
    const many = await Promise.all(Array.from({ length: 6 }, () => findOrCreateContactByPhone(t().deps, { businessId, phone: '+14155550172' })))
    expect(new Set(many.map((m) => m.contact.id)).size).toBe(1)
    expect(many.filter((m) => m.created)).toHaveLength(1)
  })
})
