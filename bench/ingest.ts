import autocannon from 'autocannon'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { signBody } from '../src/providers/index.js'
import { openDatabase } from '../src/store/db.js'
import { benchDatabase, cli, cpuSeconds, kinds, peakRssMiB, startServerProcess, type BenchDb } from './lib.js'

// Inbound webhook ingest, end to end: a real `switchboard start` child process receives signed
// Meta-shaped webhooks (50 connections) at 1 message per POST and at 100 per POST. Figures: messages
// persisted per second (counted in the database afterwards, not HTTP 200s), p99 acknowledgement
// latency, peak RSS; checks that every unique message is stored exactly once although ~2% of the POSTs
// are resent duplicates (as Meta's retries do).

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const PORT = 18_950
const APP_SECRET = 'bench-app-secret-0123456789abcdef'
const PHONE_NUMBER_ID = '106540352242922'
const WABA_ID = '419561257915477'
const CUSTOMERS = 2000
const DUP_EVERY = 50

interface Phase {
  perPost: number
  posts: number
}

function plan(kind: 'pglite' | 'postgres'): Phase[] {
  const pgScale = kind === 'postgres' ? 1 : 0.4
  return [
    { perPost: 1, posts: Math.round(30_000 * pgScale * SCALE) },
    { perPost: 100, posts: Math.round(2_000 * pgScale * SCALE) },
  ]
}

let seq = 0
function body(perPost: number): string {
  const ts = String(Math.floor(Date.now() / 1000))
  const messages = []
  const contacts = new Map<string, unknown>()
  for (let i = 0; i < perPost; i++) {
    const n = seq++
    const from = `1415${String(5_000_000 + (n % CUSTOMERS)).padStart(7, '0')}`
    contacts.set(from, { profile: { name: `Customer ${n % CUSTOMERS}` }, wa_id: from })
    messages.push({ from, id: `wamid.BENCH${process.pid}x${n}`, timestamp: ts, type: 'text', text: { body: `Hello, this is message ${n}. Where is my order?` } })
  }
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: WABA_ID, changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '16505550100', phone_number_id: PHONE_NUMBER_ID },
      contacts: [...contacts.values()],
      messages,
    } }] }],
  })
}

async function countMessages(db: BenchDb): Promise<{ total: number; distinct: number }> {
  const q = sql`SELECT count(*)::int AS total, count(DISTINCT provider_message_id)::int AS distinct FROM messages`
  if (db.kind === 'postgres') {
    const c = new pg.Client({ connectionString: db.env.DATABASE_URL })
    await c.connect()
    const r = await c.query('SELECT count(*)::int AS total, count(DISTINCT provider_message_id)::int AS distinct FROM messages')
    await c.end()
    return r.rows[0] as { total: number; distinct: number }
  }
  // PGlite: the server holds the folder while it runs, so this is read after it stopped.
  const database = await openDatabase({ databaseUrl: null, dataDir: `${db.env.SWITCHBOARD_DATA_DIR}/pglite` })
  const [r] = await database.rows<{ total: number; distinct: number }>(database.db, q)
  await database.close()
  return r
}

async function runPhase(url: string, phase: Phase) {
  const sent: string[] = []
  let unique = 0
  let acked = 0
  const statuses: Record<string, number> = {}
  let i = 0
  const t0 = performance.now()
  const r = await autocannon({
    url,
    connections: Math.min(CONNECTIONS, phase.posts),
    amount: phase.posts,
    requests: [{
      method: 'POST',
      path: '/webhooks/whatsapp',
      setupRequest: (req, ctx: object) => {
        const context = ctx as Record<string, unknown>
        i++
        // Every DUP_EVERY-th POST resends an earlier one byte for byte, as a Meta retry would.
        let b: string
        if (i % DUP_EVERY === 0 && sent.length) {
          b = sent[Math.floor(Math.random() * sent.length)]
          context.fresh = 0
        } else {
          b = body(phase.perPost)
          unique += phase.perPost
          context.fresh = phase.perPost
          if (sent.length < 1000) sent.push(b)
        }
        return { ...req, body: b, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(b, APP_SECRET) } }
      },
      onResponse: (status: number, _body: string, ctx: object) => {
        const context = ctx as Record<string, unknown>
        statuses[status] = (statuses[status] ?? 0) + 1
        // Only acknowledged messages must be stored: Meta resends what we did not acknowledge.
        if (status === 200) acked += Number(context.fresh ?? 0)
      },
    }],
    timeout: 30,
  })
  const seconds = (performance.now() - t0) / 1000
  return { r, seconds, unique, acked, statuses }
}

const results: Record<string, unknown> = {}
for (const kind of kinds()) {
  const db = await benchDatabase(kind)
  const env = { ...db.env, SWITCHBOARD_RATE_LIMIT: '1000000', SWITCHBOARD_EMULATOR: 'off' }
  const init = JSON.parse(await cli(['init', '--business', 'Bench', '--json'], env)) as { api_key: string }
  const out: Record<string, unknown> = {}
  let expected = 0
  let ackedTotal = 0
  let before = { total: 0, distinct: 0 }
  try {
    for (const phase of plan(kind)) {
      const server = await startServerProcess(env, PORT)
      let figures: Record<string, number>
      try {
        if (expected === 0) {
          const res = await fetch(`${server.url}/v1/numbers`, {
            method: 'POST',
            headers: { authorization: `Bearer ${init.api_key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ display_phone_number: '+16505550100', name: 'Bench', phone_number_id: PHONE_NUMBER_ID, waba_id: WABA_ID, access_token: 'EAAG-bench', app_secret: APP_SECRET }),
          })
          if (res.status !== 201) throw new Error(`could not create the number: ${res.status} ${await res.text()}`)
          // Warm-up (JIT, pools, first contacts), counted like the rest.
          const w = await runPhase(server.url, { perPost: phase.perPost, posts: 300 })
          expected += w.unique
          ackedTotal += w.acked
        }
        const cpu0 = cpuSeconds(server.pid)
        const { r, seconds, unique, acked, statuses } = await runPhase(server.url, phase)
        ackedTotal += acked
        if (Object.keys(statuses).some((s) => s !== '200')) console.log(`  statuses: ${JSON.stringify(statuses)}`)
        const cpu = cpuSeconds(server.pid) - cpu0
        expected += unique
        figures = {
          posts: r.requests.sent,
          unique_messages: unique,
          seconds: Math.round(seconds * 100) / 100,
          p50_ms: r.latency.p50,
          p99_ms: r.latency.p99,
          peak_rss_mib: peakRssMiB(server.pid),
          non_2xx: r.non2xx + r.errors,
          // Machine-load independent: CPU the Switchboard process spent per POST.
          server_cpu_ms_per_post: Math.round((cpu * 1000 * 100) / Math.max(1, r.requests.sent)) / 100,
        }
      } finally {
        await server.stop()
      }
      const after = await countMessages(db)
      const stored = after.total - before.total
      before = after
      const name = `${phase.perPost}_per_post`
      // Lost: acknowledged (200) but not in the database. Unacknowledged ones are Meta's to resend.
      const lost = Math.max(0, ackedTotal - after.distinct)
      const duplicated = after.total - after.distinct
      const rate = Math.round(stored / figures.seconds)
      out[name] = { ...figures, stored, messages_per_s: rate, lost, duplicated }
      console.log(
        `bench:ingest ${kind.padEnd(8)} ${String(phase.perPost).padStart(3)}/POST: ${rate} messages/s persisted (${stored} in ${figures.seconds}s), ` +
          `p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms ack, server CPU ${figures.server_cpu_ms_per_post} ms/POST, peak RSS ${figures.peak_rss_mib} MiB, lost ${lost}, duplicated ${duplicated}, non-2xx ${figures.non_2xx}`,
      )
    }
  } finally {
    await db.drop()
  }
  results[kind] = out
}
console.log(JSON.stringify({ bench: 'ingest', connections: CONNECTIONS, results }))
