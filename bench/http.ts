import autocannon from 'autocannon'
import { benchDatabase, cli, kinds, peakRssMiB, startServerProcess } from './lib.js'

// An authenticated GET served from the store, 10 s with 50 connections on 127.0.0.1.
const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = 50

const results: Record<string, unknown> = {}
for (const kind of kinds()) {
  const db = await benchDatabase(kind)
  const env = { ...db.env, SWITCHBOARD_RATE_LIMIT: '1000000' }
  const init = JSON.parse(await cli(['init', '--business', 'Bench', '--json'], env)) as { api_key: string }
  const server = await startServerProcess(env, 18_900)
  try {
    const path = '/v1/api-keys'
    const headers = { authorization: `Bearer ${init.api_key}` }
    const probe = await fetch(server.url + path, { headers })
    if (probe.status !== 200) throw new Error(`probe answered ${probe.status}`)
    await autocannon({ url: server.url + path, headers, connections: 10, duration: 2 }) // warm-up
    const r = await autocannon({ url: server.url + path, headers, connections: CONNECTIONS, duration: DURATION })
    const non2xx = r.non2xx + r.errors
    const figures = {
      requests_per_s: Math.round(r.requests.average),
      p50_ms: r.latency.p50,
      p99_ms: r.latency.p99,
      peak_rss_mib: peakRssMiB(server.pid),
      errors: non2xx,
    }
    results[kind] = figures
    console.log(
      `bench:http ${kind.padEnd(8)} GET ${path}: ${figures.requests_per_s} req/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, peak RSS ${figures.peak_rss_mib} MiB, non-2xx/errors ${non2xx}`,
    )
  } finally {
    await server.stop()
    await db.drop()
  }
}
console.log(JSON.stringify({ bench: 'http', duration_s: DURATION, connections: CONNECTIONS, results }))
