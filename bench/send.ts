import pg from 'pg'
import { benchDatabase, benchEmulatorConfig, cli, connectLine, cpuSeconds, percentile, peakRssMiB, postLoad, startEmulatorProcess, startServerProcess } from './lib.js'

// Sends through the API until the emulator's status webhooks say `delivered`.
//
// Phase 1 (throughput): CAP × BENCH_SECONDS text messages, posted as fast as the API takes them
//   (BENCH_CLIENTS, default 128, autocannon connections over the conversations). accepted/s = how fast the API queued
//   them. The number's throughput_mps and the emulator's cap are both CAP, so the dispatcher has
//   BENCH_SECONDS of work: dispatched/s and the % of the cap come from the emulator's own counts. The
//   % of the cap is taken over the time the number had a backlog: from when the queue first held half a
//   second of work (the API warms up, so the first second or two the dispatcher waits for messages to
//   send, not for the cap) to the last send. The rate over the whole run, from the first send, is
//   printed next to it.
// Phase 2 (latency): an open-loop load at half the cap (or half the accepted rate, if lower) for a few seconds; end-to-end latency from the
//   POST to the first time the message is seen `delivered` in the database (polled every 25 ms).
//
// BENCH_DB=postgres (default) or pglite; BENCH_SECONDS (default 60); BENCH_CAP (default 1000);
// BENCH_POOL: the server's DATABASE_POOL_SIZE (default 40).

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const CAP = Number(process.env.BENCH_CAP ?? 1000)
const KIND = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite'
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 128)
const PORT = 18_950
const LATENCY_SECONDS = Math.max(3, Math.min(10, Math.round(SECONDS / 6)))

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (s: string) => console.log(`bench:send ${s}`)

// The emulator runs in its own process, as Meta would be on its own machines.
const emu = await startEmulatorProcess(benchEmulatorConfig(CAP, 50))
const db = await benchDatabase(KIND)
const env: Record<string, string> = { ...db.env, DATABASE_POOL_SIZE: process.env.BENCH_POOL ?? '40', SWITCHBOARD_RATE_LIMIT: '1000000', SWITCHBOARD_EMULATOR: 'off', PUBLIC_URL: `http://127.0.0.1:${PORT}`, LOG_LEVEL: 'warn' }
const init = JSON.parse(await cli(['init', '--business', 'Bench', '--json'], env)) as { api_key: string }
const server = await startServerProcess(env, PORT)
const pgClient = KIND === 'postgres' ? new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 }) : null

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${init.api_key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

/** Messages in the server's outbox (queued or in flight), from its /metrics gauge. */
async function outboxQueued(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  let n = 0
  for (const m of text.matchAll(/^switchboard_outbox_queued\{[^}]*\} (\d+)/gm)) n += Number(m[1])
  return n
}

async function deliveredAmong(ids: string[]): Promise<string[]> {
  if (!pgClient || ids.length === 0) return []
  const r = await pgClient.query<{ id: string }>(`SELECT id FROM messages WHERE id = ANY($1::uuid[]) AND delivery_status IN ('delivered', 'read')`, [ids])
  return r.rows.map((x) => x.id)
}

try {
  // A number at CAP messages/s, on the emulator (whose cap for it is also CAP).
  const num = await connectLine({ url: server.url, apiKey: init.api_key }, emu.url, { displayPhone: '+12025550142', throughputMps: CAP, name: 'Bench line' })
  const { phoneNumberId } = num

  // Customers write first (the window opens), then we know their conversations.
  const phones = Array.from({ length: CONVERSATIONS }, (_, i) => `+4479111${String(10000 + i).padStart(5, '0')}`)
  for (let i = 0; i < phones.length; i += 50) {
    await Promise.all(phones.slice(i, i + 50).map((p) => emu.customerSends(p, { to: '+12025550142', type: 'text', text: 'hello' })))
  }
  let convIds: string[] = []
  for (let tries = 0; tries < 300 && convIds.length < CONVERSATIONS; tries++) {
    convIds = []
    let token: string | undefined
    do {
      const r = await api('GET', `/v1/messaging/conversations?page_size=200${token ? `&page_token=${token}` : ''}`)
      convIds.push(...r.body.data.filter((c: { window_open: boolean }) => c.window_open).map((c: { id: string }) => c.id))
      token = r.body.next_page_token
    } while (token)
    if (convIds.length < CONVERSATIONS) await sleep(200)
  }
  log(`${KIND}: ${convIds.length} conversations ready; cap ${CAP}/s; ${SECONDS} s of work (${CAP * SECONDS} messages); ${CLIENTS} clients, pool ${env.DATABASE_POOL_SIZE}`)

  // ---- Phase 1: throughput
  const total = CAP * SECONDS
  const base = (await emu.stats()).accepted_sends
  const samples: Array<{ at: number; accepted: number; recent: number; refused: number; queued: number }> = []
  let sampling = true
  let queued = 0
  const queueSampler = (async () => {
    // The server's own gauge (rows in the outbox, in flight included); every 250 ms, as it costs a query.
    while (sampling) {
      queued = await outboxQueued()
      await sleep(250)
    }
  })()
  const sampler = (async () => {
    while (sampling) {
      const s = await emu.stats()
      samples.push({ at: Date.now(), accepted: s.accepted_sends - base, recent: s.per_number[phoneNumberId]?.recent_per_second ?? 0, refused: s.rejected_sends['130429'] ?? 0, queued })
      await sleep(100)
    }
  })()
  const cpu0 = cpuSeconds(server.pid)
  const emuCpu0 = cpuSeconds(emu.pid)
  const benchCpu0 = process.cpuUsage()
  const { refused, seconds: acceptSeconds } = await postLoad({
    url: server.url,
    apiKey: init.api_key,
    connections: CLIENTS,
    amount: total,
    expect: 201,
    label: 'bench:send',
    request: (i) => ({ path: `/v1/messaging/conversations/${convIds[i % convIds.length]}/messages`, body: { text: `bench message ${i}` } }),
  })
  const acceptedPerS = (total - refused) / acceptSeconds
  const bc = process.cpuUsage(benchCpu0)
  log(`accepted ${total - refused} in ${acceptSeconds.toFixed(1)} s: ${Math.round(acceptedPerS)}/s (${refused} refused); ` +
    `CPU meanwhile: server ${(cpuSeconds(server.pid) - cpu0).toFixed(1)} s, load generator ${((bc.user + bc.system) / 1e6).toFixed(1)} s, emulator ${(cpuSeconds(emu.pid) - emuCpu0).toFixed(1)} s`)
  while ((await emu.stats()).accepted_sends - base < total - refused) await sleep(100)
  sampling = false
  await Promise.all([sampler, queueSampler])
  const first = samples.find((s) => s.accepted > 0) ?? samples[0]
  const last = samples.find((s) => s.accepted >= total - refused) ?? { at: Date.now(), accepted: total - refused }
  // Rate over the whole run: from the first sample that saw a send to the one that saw the last.
  const busySeconds = (last.at - first.at) / 1000
  const dispatchedPerS = (last.accepted - first.accepted) / busySeconds
  const wholePct = (100 * dispatchedPerS) / CAP
  // Rate while backlogged: from the first sample with half a second of work queued.
  const backlogged = samples.find((s) => s.queued >= CAP / 2 && s.at < last.at) ?? first
  const pctOfCap = (100 * (last.accepted - backlogged.accepted)) / ((last.at - backlogged.at) / 1000) / CAP
  const middle = samples.filter((s) => s.at > first.at + 10_000 && s.at < last.at - 1_000).map((s) => s.recent)
  const steadyPct = middle.length ? (100 * middle.reduce((a, b) => a + b, 0)) / middle.length / CAP : pctOfCap
  if (process.env.BENCH_TRACE) {
    // Sends per second as the emulator counted them, over the busy window.
    const line: string[] = []
    for (let t = first.at; t < last.at; t += 1000) {
      const a = samples.find((x) => x.at >= t)
      const b = samples.find((x) => x.at >= t + 1000) ?? samples[samples.length - 1]
      if (a) line.push(`${Math.round(((b.accepted - a.accepted) * 1000) / Math.max(1, b.at - a.at))}/${b.refused - a.refused}/${b.queued}`)
    }
    log(`trace, each second: sends/s, 130429s, outbox rows at its end: ${line.join(' ')}`)
    const ob = (await (await fetch(`${emu.url}/_emulator/outbox?limit=5000`)).json()) as { data: Array<{ wa_id: string }> }
    const tail = ob.data.slice(-400)
    const per = new Map<string, number>()
    for (const e of tail) per.set(e.wa_id, (per.get(e.wa_id) ?? 0) + 1)
    log(`trace, the last 400 sends went to ${per.size} customers; most: ${[...per.values()].sort((a, b) => b - a).slice(0, 10).join(' ')}`)
  }
  const s1 = await emu.stats()
  const rejected130429 = s1.rejected_sends['130429'] ?? 0
  log(`dispatched ${last.accepted} in ${busySeconds.toFixed(1)} s: ${dispatchedPerS.toFixed(1)}/s = ${wholePct.toFixed(1)}% of the ${CAP}/s cap from the first send; ` +
    `${pctOfCap.toFixed(1)}% over the ${((last.at - backlogged.at) / 1000).toFixed(1)} s with a backlog (from ${((backlogged.at - first.at) / 1000).toFixed(1)} s on); ` +
    `emulator's 10-s rate in steady state: ${steadyPct.toFixed(1)}%; 130429 refusals: ${rejected130429}; server CPU ${(cpuSeconds(server.pid) - cpu0).toFixed(1)} s`)

  // Statuses: wait until every message is delivered (Postgres: counted in the database).
  const deliverStart = Date.now()
  if (pgClient) {
    for (;;) {
      const r = await pgClient.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE direction = 'outbound' AND delivery_status IN ('delivered', 'read')`)
      if (Number(r.rows[0].n) >= total - refused) break
      if (Date.now() - deliverStart > 120_000) throw new Error(`only ${r.rows[0].n} delivered after 120 s`)
      await sleep(250)
    }
  } else {
    for (;;) {
      const q = (await emu.stats()).webhook_queue
      if (q.in_flight + q.retries_scheduled + q.batched === 0) break
      await sleep(250)
    }
  }
  log(`all statuses back ${((Date.now() - deliverStart) / 1000).toFixed(1)} s after the last send`)

  // ---- Phase 2: latency at half the cap
  // Half the cap, or half what the API took in phase 1 when that is less (the embedded database): an
  // open loop beyond what the server can take measures a growing queue, not latency.
  const rate = Math.max(1, Math.round(Math.min(CAP, acceptedPerS) / 2))
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  const tickMs = 20
  const perTick = (rate * tickMs) / 1000
  let due = 0
  let k = 0
  const inflight: Array<Promise<void>> = []
  const lStart = Date.now()
  let watching = true
  const watcher = (async () => {
    while (watching || sentAt.size > 0) {
      const seen = await deliveredAmong([...sentAt.keys()])
      const now = Date.now()
      for (const id of seen) {
        latencies.push(now - (sentAt.get(id) as number))
        sentAt.delete(id)
      }
      if (!pgClient) break
      if (!watching && Date.now() - lStart > LATENCY_SECONDS * 1000 + 60_000) break
      await sleep(25)
    }
  })()
  while (Date.now() - lStart < LATENCY_SECONDS * 1000) {
    due += perTick
    while (due >= 1) {
      due--
      const i = k++
      const t0 = Date.now()
      inflight.push(api('POST', `/v1/messaging/conversations/${convIds[i % convIds.length]}/messages`, { text: `latency ${i}` }).then((r) => {
        if (r.status === 201) sentAt.set(r.body.data.id, t0)
      }))
    }
    await sleep(tickMs)
  }
  await Promise.all(inflight)
  watching = false
  await watcher
  latencies.sort((a, b) => a - b)
  const p50 = percentile(latencies, 50)
  const p99 = percentile(latencies, 99)
  log(pgClient
    ? `end-to-end (POST → delivered) at ${rate}/s for ${LATENCY_SECONDS} s: p50 ${p50} ms, p99 ${p99} ms over ${latencies.length} messages`
    : 'end-to-end latency: measured on Postgres only (the PGlite server owns its database)')

  const figures = {
    db: KIND, cap_mps: CAP, seconds: SECONDS, conversations: convIds.length,
    accepted_per_s: Math.round(acceptedPerS), dispatched_per_s: Math.round(dispatchedPerS * 10) / 10,
    percent_of_cap: Math.round(pctOfCap * 10) / 10, percent_of_cap_from_first_send: Math.round(wholePct * 10) / 10, steady_percent_of_cap: Math.round(steadyPct * 10) / 10,
    rejected_130429: rejected130429, e2e_p50_ms: pgClient ? p50 : null, e2e_p99_ms: pgClient ? p99 : null,
    server_peak_rss_mib: peakRssMiB(server.pid),
  }
  console.log(JSON.stringify({ bench: 'send', ...figures }))
} finally {
  await pgClient?.end()
  await server.stop()
  await emu.stop()
  await db.drop()
}
