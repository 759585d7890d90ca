import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type { SQL } from 'drizzle-orm'
import pg from 'pg'
import * as schema from './schema/index.js'
import { acquireDataDirLock, type DataDirLock } from './lock.js'

export type Schema = typeof schema
/** A Drizzle handle: the database itself or an open transaction; both drivers share this type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>

export interface Database {
  kind: 'pglite' | 'postgres'
  db: Db
  /**
   * Runs raw SQL (from src/store only) and returns its rows. Drizzle leaves timestamptz as text in raw
   * results on both drivers: convert with `toDate`.
   */
  rows<T>(db: Db, query: SQL): Promise<T[]>
  /** LISTEN on a channel; the returned function stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  notify(channel: string, payload: string): Promise<void>
  /** Runs `fn` while holding a Postgres advisory lock, so processes sharing a server take turns. */
  exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

// int8 (COUNT(*), bigserial) comes back as a JS number on both drivers, so results are the same
// whichever database runs. Values beyond 2^53 do not occur in our counters and sequences.
const INT8 = 20
const parseInt8 = (v: string) => Number(v)

export interface OpenOptions {
  databaseUrl: string | null
  /** PGlite data folder; null keeps the embedded database in memory (tests). */
  dataDir: string | null
  poolSize?: number
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 16) : openPglite(opts.dataDir)
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  // Drizzle passes pg's global type table with each query, so the int8 parser is set there.
  pg.types.setTypeParser(INT8, parseInt8)
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  await pool.query('SELECT 1')
  const db = drizzlePg({ client: pool, schema }) as unknown as Db
  let listener: pg.PoolClient | null = null
  const handlers = new Map<string, Set<(payload: string) => void>>()
  return {
    kind: 'postgres',
    db,
    async rows<T>(h: Db, query: SQL) {
      const res = (await h.execute(query)) as unknown as { rows: T[] }
      return res.rows
    },
    async listen(channel, onPayload) {
      if (!listener) {
        listener = await pool.connect()
        listener.on('notification', (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? '')))
      }
      let set = handlers.get(channel)
      if (!set) {
        set = new Set()
        handlers.set(channel, set)
        await listener.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      }
      set.add(onPayload)
      return async () => {
        set.delete(onPayload)
      }
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    async exclusive(lockKey, fn) {
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [lockKey])
        return await fn()
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => {})
        client.release()
      }
    },
    async close() {
      listener?.release()
      listener = null
      await pool.end()
    },
  }
}

async function openPglite(dataDir: string | null): Promise<Database> {
  let lock: DataDirLock | null = null
  if (dataDir) lock = acquireDataDirLock(dataDir)
  let client: PGlite
  try {
    client = await PGlite.create(dataDir ?? undefined, { parsers: { [INT8]: parseInt8 }, extensions: { pg_trgm } })
  } catch (err) {
    lock?.release()
    throw err
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db
  return {
    kind: 'pglite',
    db,
    async rows<T>(h: Db, query: SQL) {
      const res = (await h.execute(query)) as unknown as { rows: T[] }
      return res.rows
    },
    async listen(channel, onPayload) {
      return client.listen(channel, onPayload)
    },
    async notify(channel, payload) {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    exclusive(_lockKey, fn) {
      return fn()
    },
    async close() {
      await client.close()
      lock?.release()
    },
  }
}

/** A timestamptz from a raw-SQL row (text on both drivers) as a Date. */
export function toDate(v: unknown): Date
export function toDate(v: unknown, nullable: true): Date | null
export function toDate(v: unknown, _nullable?: true): Date | null {
  if (v === null || v === undefined) return null
  return v instanceof Date ? v : new Date(String(v).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))
}
