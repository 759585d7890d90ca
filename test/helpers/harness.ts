import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger, secretBox } from '../../src/runtime.js'
import { parseSecretKey } from '../../src/domain/secrets.js'
import { createStore } from '../../src/store/index.js'
import { createProviderRegistry } from '../../src/providers/index.js'
import type { Deps } from '../../src/services/deps.js'
import { createApiKey } from '../../src/services/api-keys.js'
import { createBusiness } from '../../src/services/businesses.js'
import { createTestDatabase, DATABASES, type DbKind, type TestDatabase } from './databases.js'
import { createJobs, type JobsOptions } from '../../src/jobs/index.js'
import type { Dispatcher } from '../../src/jobs/index.js'
import { openDatabase } from '../../src/store/db.js'

export { DATABASES, type DbKind }

/** Runs `body` once per database: PGlite, and Postgres when TEST_DATABASE_URL is set. */
export function forEachDatabase(title: string, body: (kind: DbKind) => void): void {
  describe.each(DATABASES)(`${title} [%s]`, body)
}

export interface ApiResponse<T = any> {
  status: number
  body: T
  headers: Record<string, string | string[] | number | undefined>
}

export interface RequestOptions {
  key?: string
  body?: unknown
  headers?: Record<string, string>
  /** Send this exact payload (string or Buffer) instead of JSON-encoding `body`. */
  raw?: string | Buffer
}

export interface TestApp {
  kind: DbKind
  app: FastifyInstance
  deps: Deps
  db: TestDatabase
  /** Base URL when started with `listen: true`. */
  url: string
  config: Config
  request<T = any>(method: string, url: string, opts?: RequestOptions): Promise<ApiResponse<T>>
  /** A new business with an admin key. */
  seedBusiness(name?: string): Promise<{ businessId: string; apiKey: string }>
  /** Another key of a business, with just these scopes. */
  keyWith(businessId: string, scopes: string[]): Promise<string>
  /** The outbox dispatcher, when started with `jobs`. */
  dispatcher: Dispatcher | null
  close(): Promise<void>
}

export interface TestAppOptions {
  listen?: boolean
  env?: Record<string, string>
  clock?: () => Date
  /** Run the background jobs (outbox dispatcher) like `switchboard start` does. */
  jobs?: boolean | JobsOptions
  /**
   * A second app over the same database, as a second process would be: PGlite shares the one
   * Database object; Postgres opens its own pool on the same database. Closing it leaves the database.
   */
  sameDatabaseAs?: TestApp
}

export async function startTestApp(kind: DbKind, opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-test-'))
  const config = loadConfig({
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SWITCHBOARD_RATE_LIMIT: '100000',
    PORT: '0',
    ...opts.env,
  })
  const db = opts.sameDatabaseAs ? await sharedDatabase(opts.sameDatabaseAs.db) : await createTestDatabase(kind)
  const log = createLogger(config)
  const deps: Deps = {
    store: createStore(db.database),
    clock: opts.clock ?? (() => new Date()),
    config,
    log,
    secrets: secretBox(parseSecretKey(config.secretKey as string) as Buffer),
    providers: createProviderRegistry(),
  }
  const app = await buildApp(deps)
  const jobs = opts.jobs ? createJobs(deps, opts.jobs === true ? {} : opts.jobs) : null
  let url = ''
  if (opts.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const addr = app.server.address()
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  } else {
    await app.ready()
  }
  await jobs?.runner.start()
  return {
    kind,
    app,
    deps,
    db,
    url,
    config,
    dispatcher: jobs?.dispatcher ?? null,
    async request(method, path, ro = {}) {
      const headers: Record<string, string> = { ...ro.headers }
      if (ro.key) headers.authorization = `Bearer ${ro.key}`
      let payload: string | Buffer | undefined
      if (ro.raw !== undefined) payload = ro.raw
      else if (ro.body !== undefined) {
        payload = JSON.stringify(ro.body)
        headers['content-type'] ??= 'application/json'
      }
      const res = await app.inject({ method: method as 'GET', url: path, headers, payload })
      let body: unknown = res.body
      if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body) body = JSON.parse(res.body)
      return { status: res.statusCode, body: body as never, headers: res.headers }
    },
    async seedBusiness(name = 'Acme') {
      const b = await createBusiness(deps, { name })
      const { secret } = await createApiKey(deps, { businessId: b.id, name: 'test admin', scopes: ['admin'] })
      return { businessId: b.id, apiKey: secret }
    },
    async keyWith(businessId, scopes) {
      return (await createApiKey(deps, { businessId, name: 'test scoped', scopes })).secret
    },
    async close() {
      await jobs?.runner.stop()
      await app.close()
      await db.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The database of another TestApp, opened again as another process would (closing it leaves the data). */
async function sharedDatabase(other: TestDatabase): Promise<TestDatabase> {
  if (!other.url) return { ...other, close: async () => {} }
  const database = await openDatabase({ databaseUrl: other.url, dataDir: null, poolSize: 10 })
  return { kind: other.kind, url: other.url, database, close: () => database.close() }
}

/** beforeAll/afterAll around one TestApp for a describe block; call the returned getter in tests. */
export function useTestApp(kind: DbKind, opts: TestAppOptions = {}): () => TestApp {
  let t: TestApp | undefined
  beforeAll(async () => {
    t = await startTestApp(kind, opts)
  })
  afterAll(async () => {
    await t?.close()
  })
  return () => {
    if (!t) throw new Error('test app not started')
    return t
  }
}
