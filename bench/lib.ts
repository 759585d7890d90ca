import { spawn, type ChildProcess } from 'node:child_process'
import { createServer as createNetServer } from 'node:net'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'

// Shared by the benchmarks: a real `switchboard start` in a child process (so its memory is its own),
// on PGlite or on a fresh Postgres database, plus figures from /proc.

export const ROOT = resolve(import.meta.dirname, '..')
export const BENCH_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface BenchDb {
  kind: 'pglite' | 'postgres'
  env: Record<string, string>
  drop(): Promise<void>
}

export async function benchDatabase(kind: 'pglite' | 'postgres'): Promise<BenchDb> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-'))
  const base = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('hex') }
  if (kind === 'pglite') return { kind, env: base, drop: async () => rmSync(dataDir, { recursive: true, force: true }) }
  const name = `sb_bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: BENCH_PG })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(BENCH_PG)
  url.pathname = `/${name}`
  return {
    kind,
    env: { ...base, DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: BENCH_PG })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface ServerProcess {
  url: string
  pid: number
  child: ChildProcess
  stop(): Promise<void>
}

export function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`switchboard ${args.join(' ')} failed: ${err}`))))
  })
}

export async function startServerProcess(env: Record<string, string>, port: number): Promise<ServerProcess> {
  // BENCH_SERVER_NODE_FLAGS (say `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server alone.
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...flags, join(ROOT, 'bin/switchboard.js'), 'start'], {
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('server exited during start')
    try {
      if ((await fetch(`${url}/readyz`)).ok) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    pid: child.pid as number,
    child,
    stop: () => stopChild(child),
  }
}

/** SIGTERM, and resolves once the process has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((res) => {
    if (child.exitCode !== null) return res()
    child.once('exit', () => res())
    child.kill('SIGTERM')
  })
}

/** Peak resident set size of a process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export function kinds(): Array<'pglite' | 'postgres'> {
  const only = process.env.BENCH_DB
  return only === 'pglite' || only === 'postgres' ? [only] : ['pglite', 'postgres']
}

/** A free TCP port on 127.0.0.1 (for a child server process). */
export function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => res(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

export interface EmulatorLine {
  numberId: string
  phoneNumberId: string
  wabaId: string
  displayPhone: string
}

/**
 * Connects a number to a running server through its API, pointing at an emulator, and registers the
 * same number in the emulator with the server's webhook URL: what a person does with Meta's dashboard.
 */
export async function connectLine(
  server: { url: string; apiKey: string },
  emulatorUrl: string,
  opts: { displayPhone: string; throughputMps: number; emulatorCapMps?: number; name?: string },
): Promise<EmulatorLine> {
  const phoneNumberId = String(100000000000000 + Math.floor(Math.random() * 1e12))
  const wabaId = String(200000000000000 + Math.floor(Math.random() * 1e12))
  const token = `EAAG${randomBytes(12).toString('hex')}`
  const secret = randomBytes(16).toString('hex')
  const res = await fetch(`${server.url}/v1/numbers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      display_phone_number: opts.displayPhone, name: opts.name ?? 'Test line', phone_number_id: phoneNumberId, waba_id: wabaId,
      access_token: token, app_secret: secret, graph_base_url: emulatorUrl, throughput_mps: opts.throughputMps,
    }),
  })
  const body = (await res.json()) as { data?: { id: string } }
  if (res.status !== 201 || !body.data) throw new Error(`connecting the number failed: ${res.status} ${JSON.stringify(body)}`)
  await fetch(`${emulatorUrl}/_emulator/numbers/${phoneNumberId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      display_phone_number: opts.displayPhone, waba_id: wabaId, access_token: token, app_secret: secret,
      webhook_url: `${server.url}/webhooks/whatsapp`, throughput_mps: opts.emulatorCapMps ?? opts.throughputMps,
    }),
  })
  return { numberId: body.data.id, phoneNumberId, wabaId, displayPhone: opts.displayPhone }
}

/** What GET /_emulator/stats answers (the parts the benchmarks read). */
export interface EmulatorStats {
  accepted_sends: number
  rejected_sends: Record<string, number>
  per_number: Record<string, { recent_per_second: number; last_seconds: Array<{ second: number; count: number }> }>
  webhook_queue: { in_flight: number; retries_scheduled: number; batched: number }
}

export interface EmulatorProcess {
  url: string
  pid: number
  stats(): Promise<EmulatorStats>
  customerSends(phone: string, body: Record<string, unknown>): Promise<unknown>
  stop(): Promise<void>
}

/**
 * The emulator as the send and broadcast benches want it: statuses a few tens of ms after a send, no
 * read receipts, webhooks batched (`webhookBatchMs`, at most 10× that many statuses a post), a cap of
 * `capMps` sends a second for every number.
 */
export function benchEmulatorConfig(capMps: number, webhookBatchMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status_delays_ms: { sent: 20, delivered: 40, read: 60 },
    auto_read: false,
    webhook_batch_ms: webhookBatchMs,
    webhook_batch_max: webhookBatchMs * 10,
    webhook_retry_base_ms: 200,
    webhook_max_attempts: 10,
    default_throughput_mps: capMps,
    ...extra,
  }
}

/**
 * `switchboard emulator` in its own process, standing where Meta stands: its event loop is not the
 * load generator's, so a busy benchmark client does not delay its answers or skew its rate meter.
 */
export async function startEmulatorProcess(config: Record<string, unknown>): Promise<EmulatorProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'emulator'], {
    env: { ...process.env, EMULATOR_PORT: String(port), EMULATOR_STATE_FILE: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error('the emulator exited during start')
    if (Date.now() > deadline) throw new Error('the emulator did not start within 30 s')
    try {
      const res = await fetch(`${url}/_emulator/config`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) })
      if (res.ok) break
      throw new Error(`emulator config refused: ${res.status} ${await res.text()}`)
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('emulator config refused')) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url,
    pid: child.pid as number,
    stats: async () => (await fetch(`${url}/_emulator/stats`)).json() as Promise<EmulatorStats>,
    async customerSends(phone, body) {
      const res = await fetch(`${url}/_emulator/customers/${encodeURIComponent(phone)}/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      })
      if (!res.ok) throw new Error(`customer message refused: ${res.status} ${await res.text()}`)
      return res.json()
    },
    stop: () => stopChild(child),
  }
}

export interface PostLoad {
  /** Requests answered with another status than `expect` (the first three are printed). */
  refused: number
  seconds: number
  p50: number
  p99: number
}

/**
 * `amount` authenticated JSON POSTs over `connections` connections; `request(i)` gives the i-th path
 * and body. autocannon, not fetch: the load generator shares the machine's two cores with the server,
 * and fetch costs it several times more CPU per request.
 */
export async function postLoad(opts: {
  url: string
  apiKey: string
  connections: number
  amount: number
  expect: number
  label: string
  request: (i: number) => { path: string; body: unknown }
}): Promise<PostLoad> {
  let next = 0
  let refused = 0
  const t0 = performance.now()
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    amount: opts.amount,
    timeout: 60,
    requests: [{
      method: 'POST',
      setupRequest: (req) => {
        const { path, body } = opts.request(next++)
        return { ...req, path, headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }
      },
      onResponse: (status: number, body: string) => {
        if (status === opts.expect) return
        if (refused++ < 3) console.log(`${opts.label} refused: ${status} ${body}`)
      },
    }],
  })
  return { refused, seconds: (performance.now() - t0) / 1000, p50: r.latency.p50, p99: r.latency.p99 }
}
