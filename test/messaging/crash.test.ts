// kill -9 while 2,000 queued sends are dispatching: after a restart every message ends sent, and the
// only messages sent twice are the ones that were in flight (handed to the provider, not yet recorded).
import assert from 'node:assert/strict'
import { sql } from 'drizzle-orm'
import { test } from 'vitest'
import { connectLine, startServerProcess, type ServerProcess } from '../../bench/lib.js'
import { kill9, patientFetch, useCrashBed } from '../helpers/crash-bed.js'
import { forEachDatabase } from '../helpers/harness.js'
import { waitFor } from '../helpers/whatsapp.js'

const TOTAL = 2000


async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await patientFetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> }
}


forEachDatabase('messaging: crash while dispatching', (kind) => {
  const bed = useCrashBed(kind)

  test(`kill -9 with ${TOTAL} sends dispatching; restart; every message ends sent`, async () => {
    const { env, port, base, key } = await bed().prepare()
    const emu = bed().emu
    let server = await startServerProcess(env, port)
    try {
      // Slow at first (1/s) so that all 2,000 are queued before dispatch really starts.
      const num = await connectLine({ url: base, apiKey: key }, emu.url, { displayPhone: '+12025550188', throughputMps: 1, emulatorCapMps: 1000, name: 'Crash line' })
      const { phoneNumberId } = num
      const tpl = await api(base, key, 'POST', '/v1/templates', { name: 'crash_note', language: 'en_US', category: 'UTILITY', body: 'Note {{n}} for you.', examples: { n: '1' } })
      assert.equal(tpl.status, 201)
      await waitFor(async () => (await api(base, key, 'GET', `/v1/templates/${tpl.body.data.id}`)).body.data.status === 'APPROVED', 10000, 'approval')

      // 2,000 sends to 400 customers (5 each, so per-customer order is exercised too).
      let next = 0
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < TOTAL) {
          const i = next++
          const r = await api(base, key, 'POST', '/v1/messaging/messages/template', {
            phone: `+4479111${String(10000 + (i % 400)).padStart(5, '0')}`, template_key: 'crash_note', variables: { n: `m${i}` },
          })
          assert.equal(r.status, 201, JSON.stringify(r.body))
        }
      }))
      const outboxSeen = async () => ((await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { accepted_sends: number }).accepted_sends
      const start = await outboxSeen()
      await api(base, key, 'PATCH', `/v1/numbers/${num.numberId}`, { throughput_mps: 250 })
      await waitFor(async () => (await outboxSeen()) - start >= 300, 120_000, '300 sends before the crash')
      await kill9(server)
      const sentBeforeCrash = (await outboxSeen()) - start

      // What the dead process held: leased rows it had claimed (handed to the provider or about to be).
      const inFlight = await bed().withDb(async (db) => {
        const [r] = await db.rows<{ n: number }>(db.db, sql`SELECT count(*)::int8 AS n FROM outbox WHERE locked_until IS NOT NULL AND locked_until > now()`)
        return Number(r.n)
      })

      server = await startServerProcess(env, port)
      const done = async () => {
        const out = ((await (await fetch(`${emu.url}/_emulator/outbox?phone_number_id=${phoneNumberId}&limit=5000`)).json()) as {
          data: Array<{ body: { template: { components: Array<{ parameters: Array<{ text: string }> }> } } }>
        }).data
        return out.map((e) => e.body.template.components[0].parameters[0].text)
      }
      await waitFor(async () => new Set(await done()).size === TOTAL, 180_000, 'every message handed over after the restart', 250)
      const texts = await done()
      const counts = new Map<string, number>()
      for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1)
      const twice = [...counts.values()].filter((n) => n > 1).length
      // The statuses come back by webhook (the emulator retries them through the downtime, as Meta
      // does): wait until every message says at least `sent`, reading through the API.
      const notYetSent = async (): Promise<Record<string, number>> => {
        const ids: string[] = []
        let token: string | undefined
        do {
          const r = await api(base, key, 'GET', `/v1/messaging/conversations?page_size=200${token ? `&page_token=${token}` : ''}`)
          ids.push(...r.body.data.map((c: { id: string }) => c.id))
          token = r.body.next_page_token
        } while (token)
        const counts: Record<string, number> = {}
        for (const id of ids) {
          const r = await api(base, key, 'GET', `/v1/messaging/conversations/${id}/messages?page_size=200`)
          for (const m of r.body.data as Array<{ direction: string; delivery_status: string }>) {
            if (m.direction === 'outbound') counts[m.delivery_status] = (counts[m.delivery_status] ?? 0) + 1
          }
        }
        return counts
      }
      let statusCounts: Record<string, number> = {}
      await waitFor(async () => {
        statusCounts = await notYetSent()
        return (statusCounts.sent ?? 0) + (statusCounts.delivered ?? 0) + (statusCounts.read ?? 0) === TOTAL
      }, 180_000, 'every message to be at least sent', 1000)
      console.log(`[${kind}] crash test: ${sentBeforeCrash} handed over before kill -9, ${inFlight} in flight at the crash, ` +
        `${twice} sent twice, ${texts.length} provider sends for ${TOTAL} messages; statuses ${JSON.stringify(statusCounts)}`)
      assert.ok(twice <= inFlight, `${twice} sent twice but only ${inFlight} were in flight`)
      assert.equal(statusCounts.failed ?? 0, 0)
    } finally {
      await server.stop()
    }
  }, 600_000)
})
