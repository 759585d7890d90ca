// kill -9 a server in the middle of a running broadcast: after a restart the broadcast carries on, no
// recipient is lost, and the only recipients messaged twice are those in flight at the crash.
import assert from 'node:assert/strict'
import { sql } from 'drizzle-orm'
import { test } from 'vitest'
import { connectLine, startServerProcess, type ServerProcess } from '../../bench/lib.js'
import { kill9, patientFetch, useCrashBed } from '../helpers/crash-bed.js'
import { forEachDatabase } from '../helpers/harness.js'
import { waitFor } from '../helpers/whatsapp.js'

const RECIPIENTS = 600

forEachDatabase('broadcasts: crash mid-broadcast', (kind) => {
  const bed = useCrashBed(kind)

  test(`kill -9 with a ${RECIPIENTS}-recipient broadcast running; restart; it completes, nobody lost`, async () => {
    const { env, port, base, key } = await bed().prepare()
    const emu = bed().emu
    const api = async (method: string, path: string, body?: unknown, type = 'application/json') => {
      const res = await patientFetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> }
    }
    let server: ServerProcess = await startServerProcess(env, port)
    try {
      const { phoneNumberId } = await connectLine({ url: base, apiKey: key }, emu.url, { displayPhone: '+12025550177', throughputMps: 100, emulatorCapMps: 1000, name: 'Crash line' })
      const tpl = await api('POST', '/v1/templates', { name: 'crash_news', language: 'en_US', category: 'MARKETING', body: 'News for {{first_name}}.', examples: { first_name: 'Ana' } })
      assert.equal(tpl.status, 201)
      await waitFor(async () => (await api('GET', `/v1/templates/${tpl.body.data.id}`)).body.data.status === 'APPROVED', 10_000, 'approval')
      const csv = ['phone,first_name,tags', ...Array.from({ length: RECIPIENTS }, (_, i) => `+4479${String(20_000_000 + i)},R${i},crash`)].join('\n')
      const imp = await api('POST', '/v1/contacts/import', csv + '\n', 'text/csv')
      assert.equal(imp.status, 202)
      await waitFor(async () => (await api('GET', `/v1/contacts/imports/${imp.body.data.id}`)).body.data.status === 'completed', 30_000, 'the import')

      const b = await api('POST', '/v1/broadcasts', { name: 'Crash', template_key: 'crash_news', audience: { tags_any: ['crash'] }, variables: { first_name: '{{contact.first_name}}' } })
      assert.equal(b.status, 201, JSON.stringify(b.body))
      const id = b.body.data.id as string
      assert.equal((await api('POST', `/v1/broadcasts/${id}/start`)).status, 200)
      const handed = async () => ((await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { accepted_sends: number }).accepted_sends
      await waitFor(async () => (await handed()) >= 150, 60_000, '150 sends before the crash')
      await kill9(server)
      const beforeCrash = await handed()
      const inFlight = await bed().withDb(async (db) => {
        const [r] = await db.rows<{ n: number }>(db.db, sql`SELECT count(*)::int8 AS n FROM outbox WHERE locked_until IS NOT NULL AND locked_until > now()`)
        return Number(r.n)
      })

      server = await startServerProcess(env, port)
      const done = await waitFor(async () => {
        const d = (await api('GET', `/v1/broadcasts/${id}`)).body.data
        return d.status === 'completed' ? d : null
      }, 120_000, 'the broadcast to complete after the restart')
      const sent = ((await (await fetch(`${emu.url}/_emulator/outbox?phone_number_id=${phoneNumberId}&limit=5000`)).json()) as { data: Array<{ wa_id: string }> }).data
      const perPhone = new Map<string, number>()
      for (const e of sent) perPhone.set(e.wa_id, (perPhone.get(e.wa_id) ?? 0) + 1)
      const twice = [...perPhone.values()].filter((n) => n > 1).length
      console.log(`[${kind}] broadcast crash test: ${beforeCrash} handed over before kill -9, ${inFlight} in flight at the crash, ` +
        `${twice} recipients messaged twice, ${perPhone.size} of ${RECIPIENTS} recipients reached; counts ${JSON.stringify(done.counts)}`)
      assert.equal(perPhone.size, RECIPIENTS, 'every recipient reached')
      assert.equal(done.counts.total, RECIPIENTS)
      assert.equal(done.counts.failed + done.counts.skipped, 0)
      assert.ok(twice <= inFlight, `${twice} messaged twice but only ${inFlight} were in flight`)
    } finally {
      await server.stop()
    }
  }, 300_000)
})
