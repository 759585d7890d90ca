import { beforeAll, expect, it } from 'vitest'
import { SENDER_STATES, stateRank, type SenderState } from '../../src/domain/sender-lifecycle.js'
import { checkSender } from '../../src/domain/sender.js'
import { newId } from '../../src/domain/ids.js'
import { progressColumns } from '../../src/services/senders.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

// Paging, filters and sorting over a few hundred senders, seeded with one batched insert (rows made by
// the same domain check as the API) so the suite stays fast.

const NAMES = ['alpha', 'Alpha', 'beta', 'Gamma', 'delta', 'Épsilon', 'zeta', 'eta', 'Theta', 'iota', 'kappa', 'lambda']
const COUNT = 300

interface Seeded {
  id: string
  name: string
  state: SenderState
  created: number
  modified: number
  brand: string
  phone: string
}

forEachDatabase('senders list', (kind) => {
  const t = useTestApp(kind)
  let key = ''
  let otherKey = ''
  const seeded: Seeded[] = []

  beforeAll(async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    key = a.apiKey
    otherKey = b.apiKey
    const base = Date.parse('2025-03-01T00:00:00.000Z')
    const rows = []
    for (let i = 0; i < COUNT; i++) {
      const state = SENDER_STATES[(i * 7) % SENDER_STATES.length]
      // Times repeat (every 3 senders share a created time) so ties are broken by id across pages.
      const created = base + Math.floor(i / 3) * 1000
      const modified = base + ((i * 37) % COUNT) * 500
      const name = `${NAMES[i % NAMES.length]} ${String(i % 25).padStart(2, '0')}`
      const c = checkSender({
        displayName: name,
        phone: `+1206555${String(1000 + i).padStart(4, '0')}`,
        region: 'US',
        billingCategory: 'CONVERSATIONAL',
        useCase: 'MULTI_USE',
        details: { brand: { name: i % 10 === 0 ? `Brandissimo ${i}` : `Brand ${i}` } },
      })
      expect(c.problems).toEqual([])
      const id = newId(created)
      seeded.push({ id, name, state, created, modified, brand: c.value.details.brand.name, phone: c.value.phone })
      rows.push({
        id,
        businessId: a.businessId,
        displayName: c.value.displayName,
        phone: c.value.phone,
        region: c.value.region,
        billingCategory: c.value.billingCategory,
        useCase: c.value.useCase,
        details: c.value.details as unknown as Record<string, unknown>,
        state,
        ...progressColumns(state, c.value.details),
        createdAt: new Date(created),
        modifiedAt: new Date(modified),
      })
    }
    await t().deps.store.senders.insertMany(rows)
    // Noise in another business, which must never show.
    await t().request('POST', '/v1/senders', {
      key: otherKey,
      body: { display_name: 'alpha 00', phone: '+12065559999', region: 'US', billing_category: 'CONVERSATIONAL', use_case: 'OTP', details: { brand: { name: 'Brand 0' } } },
    })
  })

  async function all(query: string): Promise<{ ids: string[]; totals: number[]; pages: number }> {
    const ids: string[] = []
    const totals: number[] = []
    let token: string | undefined
    let pages = 0
    do {
      const sep = query ? '&' : ''
      const res = await t().request('GET', `/v1/senders?${query}${sep}page_size=70${token ? `&page_token=${token}` : ''}`, { key })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      ids.push(...res.body.data.map((s: { id: string }) => s.id))
      totals.push(res.body.total_size)
      token = res.body.next_page_token
      pages++
    } while (token && pages < 50)
    return { ids, totals, pages }
  }

  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
  const keyOf: Record<string, (s: Seeded) => string | number> = {
    CREATED: (s) => s.created,
    MODIFIED: (s) => s.modified,
    // Lower-cased, compared by code unit: the store sorts names COLLATE "C", the same on every server.
    NAME: (s) => s.name.toLowerCase(),
    STATE: (s) => stateRank(s.state),
  }

  for (const column of ['CREATED', 'MODIFIED', 'NAME', 'STATE']) {
    for (const direction of ['ASC', 'DESC']) {
      it(`pages through every sender sorted by ${column} ${direction}, none missed or repeated`, async () => {
        const { ids, totals, pages } = await all(`sort_column=${column}&sort_direction=${direction}`)
        const sign = direction === 'ASC' ? 1 : -1
        const expected = [...seeded].sort((a, b) => sign * (cmp(keyOf[column](a), keyOf[column](b)) || cmp(a.id, b.id))).map((s) => s.id)
        expect(ids).toEqual(expected)
        expect(pages).toBe(Math.ceil(COUNT / 70))
        expect(new Set(totals)).toEqual(new Set([COUNT]))
      })
    }
  }

  it('defaults to 50 per page, newest first; 200 at most', async () => {
    const res = await t().request('GET', '/v1/senders', { key })
    expect(res.body.data).toHaveLength(50)
    expect(res.body.total_size).toBe(COUNT)
    expect(res.body.next_page_token).toBeTruthy()
    const newest = [...seeded].sort((a, b) => b.created - a.created || cmp(b.id, a.id))[0]
    expect(res.body.data[0].id).toBe(newest.id)
    expect((await t().request('GET', '/v1/senders?page_size=200', { key })).body.data).toHaveLength(200)
    const big = await t().request('GET', '/v1/senders?page_size=201', { key })
    expect(big.status).toBe(400)
    expect(big.body.error.details.fields).toEqual([{ field: 'page_size', problem: 'must be <= 200' }])
    const last = await t().request('GET', `/v1/senders?page_size=200&page_token=${(await t().request('GET', '/v1/senders?page_size=200', { key })).body.next_page_token}`, { key })
    expect(last.body.data).toHaveLength(COUNT - 200)
    expect(last.body.next_page_token).toBeUndefined()
  })

  it('filters by states (repeatable), sender_ids, name and search; total_size counts the matches', async () => {
    const states = await all('states=IN_TEST&states=REJECTED&sort_column=NAME&sort_direction=ASC')
    const wantStates = seeded.filter((s) => s.state === 'IN_TEST' || s.state === 'REJECTED')
    expect(new Set(states.ids)).toEqual(new Set(wantStates.map((s) => s.id)))
    expect(states.ids).toHaveLength(wantStates.length)
    expect(states.totals[0]).toBe(wantStates.length)

    const one = await t().request('GET', '/v1/senders?states=LAUNCHED', { key })
    expect(one.body.total_size).toBe(seeded.filter((s) => s.state === 'LAUNCHED').length)
    expect(one.body.data.every((s: { state: string }) => s.state === 'LAUNCHED')).toBe(true)

    const picked = [seeded[3], seeded[150], seeded[299]]
    const byIds = await t().request('GET', `/v1/senders?${picked.map((s) => `sender_ids=${s.id}`).join('&')}`, { key })
    expect(byIds.body.data.map((s: { id: string }) => s.id).sort()).toEqual(picked.map((s) => s.id).sort())
    expect(byIds.body.total_size).toBe(3)

    // name: part of the display name, any case.
    const byName = await all('name=ALPHA&sort_column=CREATED&sort_direction=ASC')
    expect(byName.ids).toEqual(seeded.filter((s) => s.name.toLowerCase().includes('alpha')).sort((a, b) => a.created - b.created || cmp(a.id, b.id)).map((s) => s.id))

    // search: display name, brand name, or the phone's digits.
    const byBrand = await t().request('GET', '/v1/senders?search=brandissimo&page_size=200', { key })
    expect(byBrand.body.total_size).toBe(COUNT / 10)
    const byPhone = await t().request('GET', `/v1/senders?search=${encodeURIComponent('(206) 555-1042')}`, { key })
    expect(byPhone.body.data.map((s: { phone: string }) => s.phone)).toEqual(['+12065551042'])
    const mixed = await t().request('GET', '/v1/senders?search=theta&states=DRAFT&page_size=200', { key })
    expect(mixed.body.total_size).toBe(seeded.filter((s) => s.name.startsWith('Theta') && s.state === 'DRAFT').length)
    const literal = await t().request('GET', '/v1/senders?search=%25', { key })
    expect(literal.body.total_size).toBe(0) // % is a character to find, not a wildcard
  })

  it('refuses a page token from another sort, and one it did not issue', async () => {
    const first = await t().request('GET', '/v1/senders?sort_column=NAME&sort_direction=ASC', { key })
    const token = first.body.next_page_token
    const other = await t().request('GET', `/v1/senders?sort_column=CREATED&page_token=${token}`, { key })
    expect(other.status).toBe(400)
    expect(other.body.error.code).toBe('invalid_page_token')
    expect(other.body.message).toMatch(/sorted by NAME ASC; keep that sort_column and sort_direction/)
    const forged = await t().request('GET', '/v1/senders?page_token=bm90LWEtdG9rZW4', { key })
    expect(forged.status).toBe(400)
    expect(forged.body.error).toEqual({ code: 'invalid_page_token', details: { fields: [{ field: 'page_token', problem: 'is not a valid page token' }] } })
    const badState = await t().request('GET', '/v1/senders?states=ASLEEP', { key })
    expect(badState.status).toBe(400)
    expect(badState.body.error.details.fields[0].field).toBe('states[0]')
  })

  it("another business's list holds only its own", async () => {
    const res = await t().request('GET', '/v1/senders?search=alpha', { key: otherKey })
    expect(res.body.total_size).toBe(1)
    expect(res.body.data[0].phone).toBe('+12065559999')
  })
})
