import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('contact list filters', (kind) => {
  const t = useTestApp(kind)
  let key = ''
  const ids: Record<string, string> = {}
  const list = async (qs: string) => {
    const res = await t().request('GET', `/v1/contacts?${qs}`, { key })
    return res
  }
  const names = async (qs: string) => {
    const res = await list(qs)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data.map((c: { name: string }) => c.name)
  }

  it('seeds', async () => {
    key = (await t().seedBusiness()).apiKey
    const post = (path: string, body: unknown) => t().request('POST', path, { key, body })
    await post('/v1/contact-fields', { key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium'] })
    await post('/v1/contact-fields', { key: 'visits', label: 'Visits', type: 'number' })
    await post('/v1/contact-fields', { key: 'since', label: 'Since', type: 'date' })
    await post('/v1/contact-fields', { key: 'vip', label: 'VIP', type: 'boolean' })
    const people = [
      { phone: '+14155550201', name: 'Ana Silva', tags: ['vip', 'lead'], fields: { plan_tier: 'premium', visits: 12, since: '2023-05-01', vip: true } },
      { phone: '+14155550202', name: 'Bruno Costa', tags: ['lead'], fields: { plan_tier: 'free', visits: 3, since: '2024-01-15' } },
      { phone: '+447911123303', name: 'Carla Dias', tags: ['vip'], fields: { plan_tier: 'premium', visits: 1, since: '2024-06-30', vip: false } },
      { phone: '+447911123304', name: 'Davi Anaya', tags: [], fields: {} },
    ]
    for (const p of people) {
      const res = await post('/v1/contacts', p)
      expect(res.status).toBe(201)
      ids[p.name] = res.body.data.id
    }
    await post(`/v1/contacts/${ids['Davi Anaya']}/opt-out`, undefined)
  })

  it('newest first by default, with page tokens that walk every contact once', async () => {
    expect(await names('')).toEqual(['Davi Anaya', 'Carla Dias', 'Bruno Costa', 'Ana Silva'])
    const p1 = await list('page_size=3')
    expect(p1.body.data).toHaveLength(3)
    const p2 = await list(`page_size=3&page_token=${p1.body.next_page_token}`)
    expect(p2.body.data.map((c: { name: string }) => c.name)).toEqual(['Ana Silva'])
    expect(p2.body.next_page_token).toBeUndefined()
    const bad = await list('page_token=garbage')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe('The page_token is not one this API issued; start again without it and follow next_page_token.')
  })

  it('search matches part of a name (any case) or of a phone (any formatting)', async () => {
    expect(await names('search=ana')).toEqual(['Davi Anaya', 'Ana Silva'])
    expect(await names('search=COSTA')).toEqual(['Bruno Costa'])
    expect(await names(`search=${encodeURIComponent('+44 7911')}`)).toEqual(['Davi Anaya', 'Carla Dias'])
    expect(await names('search=0202')).toEqual(['Bruno Costa'])
    expect(await names('search=100%25')).toEqual([])
  })

  it('filters by tags: any (default) or all; an unknown tag matches nothing', async () => {
    expect(await names('tag=vip')).toEqual(['Carla Dias', 'Ana Silva'])
    expect(await names('tag=VIP&tag=lead')).toEqual(['Carla Dias', 'Bruno Costa', 'Ana Silva'])
    expect(await names('tag=vip&tag=lead&tag_match=all')).toEqual(['Ana Silva'])
    expect(await names('tag=nope')).toEqual([])
    expect(await names('tag=vip&tag=nope&tag_match=all')).toEqual([])
    expect(await names('tag=vip&tag=nope&tag_match=any')).toEqual(['Carla Dias', 'Ana Silva'])
  })

  it('filters by custom fields: equality for every type, gt/lt for numbers and dates', async () => {
    expect(await names('fields[plan_tier]=premium')).toEqual(['Carla Dias', 'Ana Silva'])
    expect(await names('fields[vip]=true')).toEqual(['Ana Silva'])
    expect(await names('fields[vip]=false')).toEqual(['Carla Dias'])
    expect(await names('fields[visits]=3')).toEqual(['Bruno Costa'])
    expect(await names('fields[visits][gt]=2')).toEqual(['Bruno Costa', 'Ana Silva'])
    expect(await names('fields[visits][gt]=2&fields[visits][lt]=10')).toEqual(['Bruno Costa'])
    expect(await names('fields[since][gt]=2024-01-01')).toEqual(['Carla Dias', 'Bruno Costa'])
    expect(await names('fields[since][lt]=2024-02-01&fields[plan_tier]=premium')).toEqual(['Ana Silva'])
    expect(await names('tag=vip&fields[visits][lt]=5&search=carla')).toEqual(['Carla Dias'])
  })

  it('filters by opt-out', async () => {
    expect(await names('opted_out=true')).toEqual(['Davi Anaya'])
    expect(await names('opted_out=false')).toHaveLength(3)
  })

  it('400 for filters on unknown fields, wrong operators or values of the wrong type', async () => {
    const unknown = await list('fields[shoe]=42')
    expect(unknown.status).toBe(400)
    expect(unknown.body.message).toBe(
      'Some field filters are invalid: fields[shoe] is not a custom field of this business; list them with GET /v1/contact-fields.',
    )
    const range = await list('fields[plan_tier][gt]=free')
    expect(range.status).toBe(400)
    expect(range.body.error.details.fields).toEqual([
      { field: 'fields[plan_tier][gt]', problem: 'cannot compare a enum field; gt and lt work on number and date fields' },
    ])
    const wrong = await list('fields[visits][gt]=lots&fields[since][lt]=yesterday')
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.details.fields).toEqual([
      { field: 'fields[visits][gt]', problem: 'must be a number (field type number)' },
      { field: 'fields[since][lt]', problem: 'must be a date as YYYY-MM-DD or an ISO 8601 date-time (field type date)' },
    ])
    const op = await list('fields[visits][gte]=1')
    expect(op.status).toBe(400)
    expect(op.body.error.details.fields).toEqual([{ field: 'fields[visits][gte]', problem: 'is not a known field' }])
    const match = await list('tag=a&tag_match=some')
    expect(match.status).toBe(400)
    expect(match.body.error.details.fields[0].field).toBe('tag_match')
  })
})
