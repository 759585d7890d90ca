import { sql } from 'drizzle-orm'
import { openDatabase } from '../src/store/db.js'
import { benchDatabase, benchEmulatorConfig, cli, connectLine, cpuSeconds, peakRssMiB, postLoad, startEmulatorProcess, startServerProcess, type BenchDb } from './lib.js'

// Template sends through the API (POST /v1/messaging/messages/template), the call an integration makes
// for order updates and reminders: each names a phone, and the contact and conversation are created
// when new. Three phases with autocannon (BENCH_CLIENTS connections, default 128):
//   warm-up: BENCH_SENDS/4 sends to new phones, not counted (the server's JIT warms up);
//   new phones: BENCH_SENDS sends, each to a phone never seen (a contact and a conversation each);
//   known phones: BENCH_SENDS sends spread over the phones of the previous phase.
// The number sends at BENCH_CAP (default 1,000/s) meanwhile, as it would. Afterwards the database is
// checked: one contact and one conversation per phone, one message per accepted send.
//
// BENCH_DB=postgres (default) or pglite; BENCH_SENDS (default 10,000; 2,500 on PGlite).

const KIND = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite'
const SENDS = Number(process.env.BENCH_SENDS ?? (KIND === 'postgres' ? 10_000 : 2_500))
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 128)
const CAP = Number(process.env.BENCH_CAP ?? 1000)
const PORT = 18_955
const log = (s: string) => console.log(`bench:template ${s}`)

const emu = await startEmulatorProcess(benchEmulatorConfig(CAP, 50))
const db = await benchDatabase(KIND)
const env: Record<string, string> = { ...db.env, SWITCHBOARD_RATE_LIMIT: '1000000', SWITCHBOARD_EMULATOR: 'off', PUBLIC_URL: `http://127.0.0.1:${PORT}`, LOG_LEVEL: 'warn' }
const init = JSON.parse(await cli(['init', '--business', 'Bench', '--json'], env)) as { api_key: string }
let server = await startServerProcess(env, PORT)

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${init.api_key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

const phoneOf = (i: number) => `+4479${String(100_000_000 + i).slice(1)}`

interface PhaseResult {
  accepted: number
  refused: number
  perS: number
  p50: number
  p99: number
  serverCpuMsPerSend: number
}

async function phase(count: number, phone: (i: number) => string): Promise<PhaseResult> {
  const cpu0 = cpuSeconds(server.pid)
  const r = await postLoad({
    url: server.url,
    apiKey: init.api_key,
    connections: CLIENTS,
    amount: count,
    expect: 201,
    label: 'bench:template',
    request: (i) => ({ path: '/v1/messaging/messages/template', body: { phone: phone(i), template_key: 'order_update', variables: { order_id: `B-${i}` } } }),
  })
  return {
    accepted: count - r.refused,
    refused: r.refused,
    perS: Math.round((count - r.refused) / r.seconds),
    p50: r.p50,
    p99: r.p99,
    serverCpuMsPerSend: Math.round(((cpuSeconds(server.pid) - cpu0) * 1e6) / count) / 1000,
  }
}

async function countRows(d: BenchDb): Promise<{ contacts: number; conversations: number; messages: number }> {
  const q = sql`SELECT (SELECT count(*) FROM contacts)::int AS contacts, (SELECT count(*) FROM conversations)::int AS conversations,
    (SELECT count(*) FROM messages WHERE direction = 'outbound')::int AS messages`
  if (d.kind === 'pglite') {
    await server.stop()
    server = { ...server, stop: async () => {} }
  }
  const database = await openDatabase(d.kind === 'postgres' ? { databaseUrl: d.env.DATABASE_URL, dataDir: d.env.SWITCHBOARD_DATA_DIR } : { databaseUrl: null, dataDir: `${d.env.SWITCHBOARD_DATA_DIR}/pglite` })
  try {
    const [r] = await database.rows<{ contacts: number; conversations: number; messages: number }>(database.db, q)
    return r
  } finally {
    await database.close()
  }
}

try {
  await connectLine({ url: server.url, apiKey: init.api_key }, emu.url, { displayPhone: '+12025550142', throughputMps: CAP, name: 'Bench line' })
  const tpl = await api('POST', '/v1/templates', { name: 'order_update', language: 'en_US', category: 'UTILITY', body: 'Your order {{order_id}} has shipped.', examples: { order_id: 'B-1' } })
  if (tpl.status !== 201) throw new Error(`template refused: ${JSON.stringify(tpl.body)}`)
  for (let i = 0; (await api('GET', `/v1/templates/${tpl.body.data.id}`)).body.data.status !== 'APPROVED'; i++) {
    if (i > 200) throw new Error('the template was not approved')
    await new Promise((r) => setTimeout(r, 50))
  }
  log(`${KIND}: ${SENDS} sends a phase, ${CLIENTS} clients, the number sending at ${CAP}/s meanwhile`)

  const warm = Math.round(SENDS / 4)
  await phase(warm, (i) => phoneOf(i))
  const fresh = await phase(SENDS, (i) => phoneOf(warm + i))
  log(`new phones:   ${fresh.accepted} accepted at ${fresh.perS}/s (${fresh.refused} refused); p50 ${fresh.p50} ms, p99 ${fresh.p99} ms; server CPU ${fresh.serverCpuMsPerSend} ms a send`)
  const known = await phase(SENDS, (i) => phoneOf(warm + (i % SENDS)))
  log(`known phones: ${known.accepted} accepted at ${known.perS}/s (${known.refused} refused); p50 ${known.p50} ms, p99 ${known.p99} ms; server CPU ${known.serverCpuMsPerSend} ms a send`)
  const rss = peakRssMiB(server.pid)

  const phones = warm + SENDS
  const rows = await countRows(db)
  const exact = rows.contacts === phones && rows.conversations === phones && rows.messages === warm + fresh.accepted + known.accepted
  log(`stored: ${rows.contacts} contacts and ${rows.conversations} conversations for ${phones} phones, ${rows.messages} messages for ${warm + fresh.accepted + known.accepted} accepted sends: ${exact ? 'exact' : 'MISMATCH'}`)
  console.log(JSON.stringify({
    bench: 'template', db: KIND, sends_per_phase: SENDS, clients: CLIENTS,
    new_phones_per_s: fresh.perS, new_phones_p50_ms: fresh.p50, new_phones_p99_ms: fresh.p99,
    known_phones_per_s: known.perS, known_phones_p50_ms: known.p50, known_phones_p99_ms: known.p99,
    server_cpu_ms_per_send: { new_phones: fresh.serverCpuMsPerSend, known_phones: known.serverCpuMsPerSend },
    stored_exactly: exact, server_peak_rss_mib: rss,
  }))
  if (!exact) process.exitCode = 1
} finally {
  await server.stop()
  await emu.stop()
  await db.drop()
}
