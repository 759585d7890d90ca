// Contacts at 100,000: CSV import rows/s, and p50/p99 of the list queries the inbox and the API make
// (by tag, by custom field, by phone or name search). Runs on PGlite and on Postgres
// (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a fresh database per run,
// dropped after). Prints figures, then one JSON line. `--explain` also prints Postgres plans.
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { loadConfig } from '../src/config.js'
import { createProviderRegistry } from '../src/providers/index.js'
import { createLogger, secretBox } from '../src/runtime.js'
import { createBusiness } from '../src/services/businesses.js'
import { createContactField } from '../src/services/contact-fields.js'
import { importContacts } from '../src/services/contact-import.js'
import { listContacts, resolveContactQuery, type ContactQuery } from '../src/services/contacts.js'
import type { Deps } from '../src/services/deps.js'
import { contactWhere } from '../src/store/contact-list-query.js'
import { createStore, migrate, openDatabase, type Database } from '../src/store/index.js'

const N = Number(process.env.BENCH_CONTACTS ?? 100_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 300)
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const EXPLAIN = process.argv.includes('--explain')
const only = process.argv.find((a) => a === 'pglite' || a === 'postgres')

const FIRST = ['Ana', 'Bruno', 'Carla', 'Davi', 'Elena', 'Felipe', 'Gabi', 'Hugo', 'Iris', 'João', 'Kim', 'Lia', 'Mateus', 'Nina', 'Otto', 'Paula']
const LAST = ['Silva', 'Costa', 'Dias', 'Santos', 'Oliveira', 'Souza', 'Lima', 'Pereira', 'Ferreira', 'Almeida', 'Nakamura', 'Smith', 'Okafor']
const phone = (i: number) => `+1415${String(2_000_000 + i).padStart(7, '0')}`

function* csvRows(): Generator<string> {
  yield 'phone,name,tags,plan_tier,visits\n'
  for (let i = 0; i < N; i++) {
    const tags = [i % 20 === 0 ? 'vip' : '', i % 4 === 0 ? 'lead' : '', i % 100 === 7 ? 'churned' : ''].filter(Boolean).join(';')
    const plan = i % 10 === 3 ? 'premium' : i % 50 === 9 ? 'enterprise' : 'free'
    yield `${phone(i)},${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]},${tags},${plan},${i % 100}\n`
  }
}

async function openBench(kind: 'pglite' | 'postgres'): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ databaseUrl: null, dataDir: null })
    return { database, drop: async () => {} }
  }
  const name = `sb_bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null, poolSize: 4 })
  return {
    database,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      if (process.env.BENCH_KEEP) console.log('kept database', name)
      else await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

async function timeQuery(deps: Deps, businessId: string, make: (i: number) => ContactQuery) {
  for (let i = 0; i < 20; i++) await listContacts(deps, businessId, make(i), { size: 50 })
  const ms: number[] = []
  let rows = 0
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    const r = await listContacts(deps, businessId, make(i), { size: 50 })
    ms.push(performance.now() - t)
    rows += r.items.length
  }
  return { p50: +pct(ms, 50).toFixed(2), p99: +pct(ms, 99).toFixed(2), avg_rows: Math.round(rows / RUNS) }
}

async function run(kind: 'pglite' | 'postgres') {
  const { database, drop } = await openBench(kind)
  try {
    await migrate(database)
    const config = loadConfig({ LOG_LEVEL: 'silent', SWITCHBOARD_DATA_DIR: '/tmp/sb-bench' })
    const deps: Deps = { store: createStore(database), clock: () => new Date(), config, log: createLogger(config), secrets: secretBox(randomBytes(32)), providers: createProviderRegistry() }
    const b = await createBusiness(deps, { name: 'Bench' })
    await createContactField(deps, { businessId: b.id, key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium', 'enterprise'] })
    await createContactField(deps, { businessId: b.id, key: 'visits', label: 'Visits', type: 'number' })

    const t0 = performance.now()
    const imported = await importContacts(deps, { businessId: b.id, source: Readable.from(csvRows()) })
    const importS = (performance.now() - t0) / 1000
    if (imported.created !== N) throw new Error(`expected ${N} created, got ${JSON.stringify(imported)}`)
    await database.rows(database.db, sql`ANALYZE`)

    const queries: Record<string, (i: number) => ContactQuery> = {
      tag_vip_5pct: () => ({ tags: ['vip'] }),
      tag_churned_1pct: () => ({ tags: ['churned'] }),
      tags_all_vip_lead: () => ({ tags: ['vip', 'lead'], tagMatch: 'all' }),
      field_eq_premium_10pct: () => ({ fields: [{ key: 'plan_tier', op: 'eq', value: 'premium' }] }),
      field_eq_enterprise_2pct: () => ({ fields: [{ key: 'plan_tier', op: 'eq', value: 'enterprise' }] }),
      field_gt_visits: () => ({ fields: [{ key: 'visits', op: 'gt', value: '97' }] }),
      phone_search: (i) => ({ search: phone((i * 7919) % N).slice(-6) }),
      name_search: (i) => ({ search: LAST[i % LAST.length].toLowerCase() }),
      page_newest: () => ({}),
    }
    const results: Record<string, { p50: number; p99: number; avg_rows: number }> = {}
    for (const [name, make] of Object.entries(queries)) {
      results[name] = await timeQuery(deps, b.id, make)
      if (EXPLAIN && kind === 'postgres') {
        const where = contactWhere(await resolveContactQuery(deps, b.id, make(1)))
        const plan = await database.rows<{ 'QUERY PLAN': string }>(
          database.db,
          sql`EXPLAIN (ANALYZE, COSTS OFF) SELECT c.* FROM contacts c WHERE ${where} ORDER BY c.created_at DESC NULLS LAST, c.id DESC NULLS LAST LIMIT 51`,
        )
        console.log(`-- ${name}\n${plan.map((p) => p['QUERY PLAN']).join('\n')}`)
      }
    }
    return { kind, contacts: N, import_rows_per_s: Math.round(N / importS), import_s: +importS.toFixed(1), queries_ms: results }
  } finally {
    await database.close()
    await drop()
  }
}

const kinds = only ? [only as 'pglite' | 'postgres'] : (['pglite', 'postgres'] as const)
const out: Awaited<ReturnType<typeof run>>[] = []
for (const kind of kinds) {
  const r = await run(kind)
  out.push(r)
  console.log(`\n${kind}: ${r.contacts} contacts; CSV import ${r.import_rows_per_s} rows/s (${r.import_s} s)`)
  console.log('  query (page of 50, via listContacts)      p50 ms   p99 ms   rows')
  for (const [name, q] of Object.entries(r.queries_ms)) console.log(`  ${name.padEnd(40)} ${String(q.p50).padStart(7)}  ${String(q.p99).padStart(7)}  ${String(q.avg_rows).padStart(5)}`)
}
console.log(JSON.stringify({ bench: 'contacts', results: out }))
