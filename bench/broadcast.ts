import { benchDatabase, benchEmulatorConfig, cli, connectLine, cpuSeconds, peakRssMiB, startEmulatorProcess, startServerProcess } from './lib.js'

// A broadcast to RECIPIENTS contacts on one number whose emulator cap is CAP messages/s (the number's
// throughput_mps is CAP too). Prints the wall time from start to the last message handed over, the
// share of the cap achieved while sending, and the server's CPU and peak RSS. One JSON line at the end.
//
// BENCH_DB=postgres (default) or pglite; BENCH_RECIPIENTS (default 100000); BENCH_CAP (default 1000).

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000)
const CAP = Number(process.env.BENCH_CAP ?? 1000)
const KIND = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite'
const PORT = 18_960
const log = (s: string) => console.log(`bench:broadcast ${s}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The emulator runs in its own process, as Meta would be on its own machines.
const emu = await startEmulatorProcess(benchEmulatorConfig(CAP, 100, { template_review_ms: 50 }))

const db = await benchDatabase(KIND)
const env: Record<string, string> = { ...db.env, SWITCHBOARD_RATE_LIMIT: '1000000', SWITCHBOARD_EMULATOR: 'off', PUBLIC_URL: `http://127.0.0.1:${PORT}`, LOG_LEVEL: 'warn' }
const init = JSON.parse(await cli(['init', '--business', 'Bench', '--json'], env)) as { api_key: string }
const server = await startServerProcess(env, PORT)

async function api(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${init.api_key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

try {
  const { phoneNumberId } = await connectLine({ url: server.url, apiKey: init.api_key }, emu.url, { displayPhone: '+12025550143', throughputMps: CAP, name: 'Broadcast line' })
  const tpl = await api('POST', '/v1/templates', { name: 'bench_news', language: 'en_US', category: 'MARKETING', body: 'Hi {{first_name}}, our news is out.', examples: { first_name: 'Ana' } })
  if (tpl.status !== 201) throw new Error(`template: ${JSON.stringify(tpl.body)}`)
  while ((await api('GET', `/v1/templates/${tpl.body.data.id}`)).body.data.status !== 'APPROVED') await sleep(100)

  // The audience, through the CSV import (UK mobile numbers, all tagged "news").
  const lines = ['phone,first_name,tags']
  for (let i = 0; i < RECIPIENTS; i++) lines.push(`+4479${String(10_000_000 + i).padStart(8, '0')},P${i},news`)
  const seedStart = performance.now()
  const imp = await api('POST', '/v1/contacts/import', lines.join('\n') + '\n', 'text/csv')
  if (imp.status !== 202) throw new Error(`import: ${JSON.stringify(imp.body)}`)
  for (;;) {
    const j = (await api('GET', `/v1/contacts/imports/${imp.body.data.id}`)).body.data
    if (j.status !== 'running') {
      if (j.created !== RECIPIENTS) throw new Error(`import created ${j.created} of ${RECIPIENTS}: ${JSON.stringify(j).slice(0, 300)}`)
      break
    }
    await sleep(250)
  }
  log(`${KIND}: ${RECIPIENTS} contacts imported in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

  const created = await api('POST', '/v1/broadcasts', {
    name: 'Bench', template_key: 'bench_news', audience: { tags_any: ['news'] }, variables: { first_name: { value: '{{contact.first_name}}', default: 'there' } },
  })
  if (created.status !== 201) throw new Error(`broadcast: ${JSON.stringify(created.body)}`)
  const id = created.body.data.id as string
  const cpu0 = cpuSeconds(server.pid)
  const acceptedBefore = (await emu.stats()).accepted_sends
  const t0 = performance.now()
  const started = await api('POST', `/v1/broadcasts/${id}/start`)
  if (started.status !== 200) throw new Error(`start: ${JSON.stringify(started.body)}`)
  const startMs = performance.now() - t0

  let last = 0
  // Accepted sends per unix second, from the emulator's own meter (it shows the last ten seconds).
  const perSecond = new Map<number, number>()
  for (;;) {
    await sleep(1000)
    const s = await emu.stats()
    for (const x of s.per_number[phoneNumberId]?.last_seconds ?? []) if (x.count > 0) perSecond.set(x.second, x.count)
    const sent = s.accepted_sends - acceptedBefore
    if (sent !== last && Math.floor(sent / 10_000) !== Math.floor(last / 10_000)) log(`${KIND}: ${sent} handed over after ${((performance.now() - t0) / 1000).toFixed(0)} s`)
    last = sent
    if (sent >= RECIPIENTS) break
    if ((performance.now() - t0) / 1000 > RECIPIENTS / CAP * 3 + 120) throw new Error(`too slow: ${sent} of ${RECIPIENTS} after ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  }
  const wallS = (performance.now() - t0) / 1000
  const cpuS = cpuSeconds(server.pid) - cpu0
  // Share of the cap while sending, from the emulator's per-second counts: the mean of the whole seconds
  // between the first and the last (both partial, so left out).
  await sleep(1100)
  const tailStats = await emu.stats()
  for (const x of tailStats.per_number[phoneNumberId]?.last_seconds ?? []) if (x.count > 0) perSecond.set(x.second, x.count)
  const times = [...perSecond.values()].reduce((a, b) => a + b, 0)
  const seconds = [...perSecond.keys()].sort((a, b) => a - b)
  const full = seconds.slice(1, -1).map((s) => perSecond.get(s) as number)
  const sendingS = seconds.length ? seconds[seconds.length - 1] - seconds[0] + 1 : 0
  const rate = full.length ? full.reduce((a, b) => a + b, 0) / full.length : times / Math.max(1, sendingS)
  const pct = (100 * rate) / CAP
  if (process.env.BENCH_TRACE) log(`trace, sends each second: ${seconds.map((x) => perSecond.get(x)).join(' ')}`)
  const stats = await emu.stats()
  let final = (await api('GET', `/v1/broadcasts/${id}`)).body.data
  for (let i = 0; i < 30 && final.status !== 'completed'; i++) {
    await sleep(1000)
    final = (await api('GET', `/v1/broadcasts/${id}`)).body.data
  }
  const figures = {
    db: KIND,
    recipients: RECIPIENTS,
    cap_per_s: CAP,
    start_ms: Math.round(startMs),
    wall_s: Number(wallS.toFixed(1)),
    sending_s: Number(sendingS.toFixed(1)),
    sends_per_s: Math.round(rate),
    percent_of_cap: Number(pct.toFixed(1)),
    provider_sends: stats.accepted_sends - acceptedBefore,
    overall_sends_per_s: Math.round((stats.accepted_sends - acceptedBefore) / wallS),
    rejected_by_provider: stats.rejected_sends,
    server_cpu_s: Number(cpuS.toFixed(1)),
    server_cpu_percent_of_one_core: Number(((100 * cpuS) / wallS).toFixed(0)),
    peak_rss_mib: peakRssMiB(server.pid),
    final_status: final.status,
    counts: final.counts,
  }
  log(
    `${KIND}: ${RECIPIENTS} recipients handed over in ${wallS.toFixed(1)} s (start ${Math.round(startMs)} ms); ${Math.round(rate)} sends/s while sending = ${pct.toFixed(1)}% of the ${CAP}/s cap; ` +
      `${stats.accepted_sends - acceptedBefore} provider sends (${Math.round((stats.accepted_sends - acceptedBefore) / wallS)}/s overall, 130429 refusals ${stats.rejected_sends['130429'] ?? 0}); server CPU ${cpuS.toFixed(1)} s (${figures.server_cpu_percent_of_one_core}% of a core), peak RSS ${figures.peak_rss_mib} MiB; status ${final.status}`,
  )
  console.log(JSON.stringify({ bench: 'broadcast', ...figures }))
} finally {
  await server.stop()
  await emu.stop()
  await db.drop()
}
