import v8 from 'node:v8'
import vm from 'node:vm'
import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp, type TestApp } from '../helpers/harness.js'

// CSV import and export over real HTTP: the upload is streamed (the test never builds the file either),
// the job is followed until it ends, and an export imports back unchanged.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// Live heap, not garbage V8 has not collected yet: a collection before each sample.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
const liveHeap = () => {
  gc()
  return process.memoryUsage().heapUsed
}

async function waitForImport(t: TestApp, key: string, id: string) {
  for (;;) {
    const res = await t.request('GET', `/v1/contacts/imports/${id}`, { key })
    expect(res.status).toBe(200)
    if (res.body.data.status !== 'running') return res.body.data
    await sleep(100)
  }
}

async function upload(t: TestApp, key: string, body: string | ReadableStream<Uint8Array>) {
  const res = await fetch(`${t.url}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' })
  return { status: res.status, body: (await res.json()) as any }
}

async function importCsv(t: TestApp, key: string, csv: string) {
  const res = await upload(t, key, csv)
  expect(res.status, JSON.stringify(res.body)).toBe(202)
  return waitForImport(t, key, res.body.data.id)
}

async function exportCsv(t: TestApp, key: string, qs = '') {
  const res = await fetch(`${t.url}/v1/contacts/export${qs}`, { headers: { authorization: `Bearer ${key}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/csv')
  return res.text()
}

async function defineFields(t: TestApp, key: string) {
  for (const f of [
    { key: 'visits', label: 'Visits', type: 'number' },
    { key: 'plan', label: 'Plan', type: 'enum', options: ['free', 'pro'] },
    { key: 'vip', label: 'VIP', type: 'boolean' },
    { key: 'since', label: 'Since', type: 'date' },
  ]) {
    expect((await t.request('POST', '/v1/contact-fields', { key, body: f })).status).toBe(201)
  }
}

forEachDatabase('contact import and export', (kind) => {
  const t = useTestApp(kind, { listen: true })

  it('imports rows, updates existing phones, and reports each invalid row with its line, column and reason', async () => {
    const { apiKey } = await t().seedBusiness()
    await defineFields(t(), apiKey)
    await t().request('POST', '/v1/contacts', { key: apiKey, body: { phone: '+14155550301', name: 'Old Name', email: 'keep@example.com' } })
    const csv = [
      'Phone,Name,first_name,email,tags,visits,plan,vip,since',
      '+1 415 555 0301,New Name,,,vip;Lead,5,pro,yes,2024-01-02',
      '+14155550302,Bea,Bea,bea@example.com,lead,1,free,no,',
      'call me,Bad Phone,,,,,,,',
      '+14155550303,Bad Fields,,not-an-email,,many,gold,maybe,2024-13-01',
      '+14155550302,Bea Again,,,extra,,,,',
      '"+1 415 555 0304","Quoted, Name",,,,,,,',
    ].join('\n')
    const job = await importCsv(t(), apiKey, csv)
    expect(job).toMatchObject({ status: 'completed', progress: 1, rows_processed: 6, created: 2, updated: 2, invalid: 2, failure: null })
    expect(job.errors).toEqual([
      { row: 4, column: 'phone', problem: 'phone contains letters; give digits in international format such as +14155550123' },
      { row: 5, column: 'email', problem: 'is not an email address' },
      { row: 5, column: 'visits', problem: 'must be a number (field type number)' },
      { row: 5, column: 'plan', problem: 'must be one of "free", "pro" (field type enum)' },
      { row: 5, column: 'vip', problem: 'must be true or false (field type boolean)' },
      { row: 5, column: 'since', problem: 'must be a date as YYYY-MM-DD or an ISO 8601 date-time (field type date)' },
    ])
    const list = (await t().request('GET', '/v1/contacts?page_size=10', { key: apiKey })).body.data
    const byPhone = Object.fromEntries(list.map((c: { phone: string }) => [c.phone, c]))
    expect(byPhone['+14155550301']).toMatchObject({ name: 'New Name', email: 'keep@example.com', tags: ['Lead', 'vip'], fields: { visits: 5, plan: 'pro', vip: true, since: '2024-01-02' } })
    expect(byPhone['+14155550302']).toMatchObject({ name: 'Bea Again', first_name: 'Bea', tags: ['extra', 'Lead'], fields: { visits: 1, plan: 'free', vip: false } })
    expect(byPhone['+14155550304'].name).toBe('Quoted, Name')
    expect(list).toHaveLength(3)
  })

  it('fails the whole import, saying why, when the header cannot be used', async () => {
    const { apiKey } = await t().seedBusiness()
    const job = await importCsv(t(), apiKey, 'name,shoe_size\nAna,42\n')
    expect(job.status).toBe('failed')
    expect(job.failure).toBe(
      'The CSV header cannot be imported: "phone" column is missing; the first line must name the columns and include phone; "shoe_size" column is neither a contact column nor a custom field key; create the field first or remove the column.',
    )
    const broken = await importCsv(t(), apiKey, 'phone,name\n+14155550401,"unterminated\n')
    expect(broken.status).toBe('failed')
    expect(broken.failure).toMatch(/^The file is not valid CSV near line \d+: .+ Fix the file and import it again\.$/)
  })

  it('an import cut off by a stopped server reads as failed, saying so, once its heartbeat is a minute old', async () => {
    const { businessId, apiKey } = await t().seedBusiness()
    // What a process that died mid-import leaves behind: a running job nobody moves on any more.
    const now = Date.now()
    const rows = t().deps.store.contactImports
    const dead = await rows.insert({ id: crypto.randomUUID(), businessId, status: 'running', bytesTotal: 1000, createdAt: new Date(now - 300_000), heartbeatAt: new Date(now - 90_000) })
    const alive = await rows.insert({ id: crypto.randomUUID(), businessId, status: 'running', bytesTotal: 1000, createdAt: new Date(now - 300_000), heartbeatAt: new Date(now - 5_000) })

    const cut = await t().request('GET', `/v1/contacts/imports/${dead.id}`, { key: apiKey })
    expect(cut.status).toBe(200)
    expect(cut.body.data.status).toBe('failed')
    expect(cut.body.data.failure).toMatch(/interrupted because the server stopped.*Import the file again/)
    expect(cut.body.data.finished_at).not.toBeNull()
    const still = await t().request('GET', `/v1/contacts/imports/${alive.id}`, { key: apiKey })
    expect(still.body.data.status).toBe('running')
  })

  it('refuses a body that is not CSV, and one over 50 MB', async () => {
    const { apiKey } = await t().seedBusiness()
    const json = await t().request('POST', '/v1/contacts/import', { key: apiKey, body: { phone: '+14155550101' } })
    expect(json.status).toBe(415)
    expect(json.body.message).toBe('Send the CSV file as the request body with Content-Type: text/csv.')
    const big = await t().request('POST', '/v1/contacts/import', {
      key: apiKey,
      raw: 'phone\n' + '+14155550101\n'.repeat(Math.ceil((50 * 1024 * 1024) / 13) + 10),
      headers: { 'content-type': 'text/csv' },
    })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('payload_too_large')
    expect(big.body.message).toBe('A CSV import may be at most 50 MB; split the file and import the parts one after another.')
  })

  it('export streams the list’s filters as CSV and round-trips through import unchanged', async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    await defineFields(t(), a.apiKey)
    await defineFields(t(), b.apiKey)
    const csv = [
      'phone,name,first_name,last_name,email,language,tags,visits,plan,vip,since',
      '+14155550501,"Silva, Ana",Ana,Silva,ana@example.com,pt_BR,vip;lead,12.5,pro,true,2023-05-01',
      '+14155550502,"Quote ""Q"" Person",,,,en,lead,0,free,false,2024-01-15T10:30:00.000Z',
      '+447911123505,Émile Zoë,,,,,,,,,',
    ].join('\n')
    expect(await importCsv(t(), a.apiKey, csv)).toMatchObject({ status: 'completed', created: 3, invalid: 0 })
    const first = await exportCsv(t(), a.apiKey)
    const lines = first.trim().split('\n')
    expect(lines[0]).toBe('phone,name,first_name,last_name,email,language,tags,visits,plan,vip,since')
    expect(lines).toHaveLength(4)
    expect(first).toContain('+14155550501,"Silva, Ana",Ana,Silva,ana@example.com,pt_BR,lead;vip,12.5,pro,true,2023-05-01')

    // Into the same business: every row an update, nothing changes.
    expect(await importCsv(t(), a.apiKey, first)).toMatchObject({ status: 'completed', created: 0, updated: 3, invalid: 0 })
    expect(await exportCsv(t(), a.apiKey)).toBe(first)
    // Into another business: the same contacts (export order is newest first, so compare as sets).
    expect(await importCsv(t(), b.apiKey, first)).toMatchObject({ status: 'completed', created: 3, invalid: 0 })
    const second = await exportCsv(t(), b.apiKey)
    expect(second.trim().split('\n').sort()).toEqual(lines.sort())

    const filtered = await exportCsv(t(), a.apiKey, '?tag=vip&fields[visits][gt]=10')
    expect(filtered.trim().split('\n')).toHaveLength(2)
    const bad = await fetch(`${t().url}/v1/contacts/export?fields[nope]=1`, { headers: { authorization: `Bearer ${a.apiKey}` } })
    expect(bad.status).toBe(400)
    const empty = await exportCsv(t(), (await t().seedBusiness('C')).apiKey)
    expect(empty).toBe('phone,name,first_name,last_name,email,language,tags\n')
  })

  // About 15 s on PGlite on an idle machine; the long timeout only absorbs a busy CI box.
  it('imports 100,000 rows streamed, with bad rows counted and memory flat', { timeout: 300_000 }, async () => {
    const { apiKey } = await t().seedBusiness('Big')
    await t().request('POST', '/v1/contact-fields', { key: apiKey, body: { key: 'visits', label: 'Visits', type: 'number' } })
    const N = 100_000
    const phone = (i: number) => `+1415${String(2_000_000 + i).padStart(7, '0')}`
    // Ten contacts exist already; row 7 is a bad phone, so nine of them are updated.
    for (let i = 0; i < 10; i++) await t().request('POST', '/v1/contacts', { key: apiKey, body: { phone: phone(i), name: `existing ${i}` } })
    const row = (i: number) =>
      i % 1000 === 7 ? `not a phone,Bad ${i},vip,1\n` : i % 2500 === 11 ? `${phone(i)},Bad visits ${i},,lots\n` : `${phone(i)},Person ${i},${i % 10 === 0 ? 'vip' : ''},${i % 50}\n`
    let i = 0
    const enc = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (i === 0) ctrl.enqueue(enc.encode('phone,name,tags,visits\n'))
        if (i >= N) return ctrl.close()
        let chunk = ''
        for (const end = Math.min(N, i + 1000); i < end; i++) chunk += row(i)
        ctrl.enqueue(enc.encode(chunk))
      },
    })
    const heapBefore = liveHeap()
    const rssBefore = process.memoryUsage().rss
    let peakHeap = heapBefore
    let peakRss = rssBefore
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, liveHeap())
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 250)
    const started = await upload(t(), apiKey, body)
    expect(started.status).toBe(202)
    const job = await waitForImport(t(), apiKey, started.body.data.id)
    clearInterval(sampler)
    const heapGrowthMb = (peakHeap - heapBefore) / 1024 / 1024
    const rssGrowthMb = (peakRss - rssBefore) / 1024 / 1024
    console.log(`[${kind}] 100k import: heap +${heapGrowthMb.toFixed(1)} MB, rss +${rssGrowthMb.toFixed(1)} MB`)
    expect(job).toMatchObject({ status: 'completed', rows_processed: N, created: N - 140 - 9, updated: 9, invalid: 140 })
    expect(job.errors).toHaveLength(140)
    expect(job.errors[0]).toEqual({ row: 9, column: 'phone', problem: 'phone contains letters; give digits in international format such as +14155550123' })
    expect(job.errors).toContainEqual({ row: 13, column: 'visits', problem: 'must be a number (field type number)' })
    // A memory bound, not a timing: the import streams, so the JS heap does not grow with the file.
    expect(heapGrowthMb).toBeLessThan(100)
    // The embedded database lives in this process's memory, so RSS is bounded only on a server.
    if (kind === 'postgres') expect(rssGrowthMb).toBeLessThan(100)
    const vip = await t().request('GET', '/v1/contacts?tag=vip&page_size=1', { key: apiKey })
    expect(vip.body.data).toHaveLength(1)
    const tags = (await t().request('GET', '/v1/tags', { key: apiKey })).body.data
    expect(tags).toEqual([expect.objectContaining({ name: 'vip', contact_count: N / 10 })])
  })
})
