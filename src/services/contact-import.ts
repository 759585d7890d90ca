import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parse } from 'csv-parse'
import { checkHeader, readCsvRow, type CsvContact, type CsvRowProblem } from '../domain/contact-csv.js'
import { AppError, NotFoundError, TooLargeError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import type { ContactImportRow } from '../store/contact-imports.js'
import { fieldDefs } from './contact-fields.js'
import type { Deps } from './deps.js'

// CSV import: the upload is spooled to a temporary file (never held in memory), answered with a job,
// then read as a stream and upserted in batches, one multi-row INSERT … ON CONFLICT per batch.

export const MAX_IMPORT_BYTES = 50 * 1024 * 1024
export const IMPORT_BATCH = 500
/** Invalid rows beyond this are counted but their reasons not kept, so a bad file cannot bloat the job. */
export const MAX_KEPT_PROBLEMS = 1000

export interface ImportProgress {
  bytesDone: number
  rows: number
  created: number
  updated: number
  invalid: number
}

function tooLarge(): TooLargeError {
  return new TooLargeError('payload_too_large', `A CSV import may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the file and import the parts one after another.`, {
    max_bytes: MAX_IMPORT_BYTES,
  })
}

/** Counts bytes as they pass; fails the stream past `limit`. */
function byteCounter(limit: number, onBytes: (n: number) => void): Transform {
  let n = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length
      onBytes(n)
      if (n > limit) done(tooLarge())
      else done(null, chunk)
    },
  })
}

/** Merges a later row for the same phone into an earlier one: given values win, fields merge, tags add. */
function merge(a: CsvContact, b: CsvContact): CsvContact {
  return {
    phone: a.phone,
    name: b.name ?? a.name,
    firstName: b.firstName ?? a.firstName,
    lastName: b.lastName ?? a.lastName,
    email: b.email ?? a.email,
    language: b.language ?? a.language,
    tags: [...new Set([...a.tags, ...b.tags])],
    fields: { ...a.fields, ...b.fields },
  }
}

/**
 * Imports a CSV stream into a business, reporting each batch to the job row (when `importId`) and to
 * `onProgress`. Throws a ValidationError for a file it cannot read at all (missing phone column,
 * unknown columns, broken CSV); invalid rows are counted with their reasons and skipped.
 */
export async function importContacts(
  deps: Deps,
  cmd: { businessId: string; importId?: string; source: Readable; onProgress?: (p: ImportProgress) => void },
): Promise<ImportProgress> {
  const fields = await fieldDefs(deps, cmd.businessId)
  const totals: ImportProgress = { bytesDone: 0, rows: 0, created: 0, updated: 0, invalid: 0 }
  let bytes = 0
  let kept = 0
  const parser = parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, relax_column_count: true, info: true })
  const counted = cmd.source.pipe(byteCounter(Number.MAX_SAFE_INTEGER, (n) => (bytes = n)))
  counted.on('error', (err) => parser.destroy(err))
  counted.pipe(parser)

  let batch = new Map<string, CsvContact>()
  let pending = { rows: 0, invalid: 0, dupes: 0, problems: [] as CsvRowProblem[] }
  let headerChecked = false

  const flush = async () => {
    const contacts = [...batch.values()]
    batch = new Map()
    const step = pending
    pending = { rows: 0, invalid: 0, dupes: 0, problems: [] }
    const at = deps.clock()
    const result = await deps.store.tx(async (store) => {
      const saved = await store.contacts.upsertBatch(
        cmd.businessId,
        contacts.map((c) => ({ id: newId(), phone: c.phone, name: c.name, firstName: c.firstName, lastName: c.lastName, email: c.email, language: c.language, fields: c.fields })),
        at,
      )
      const names = [...new Set(contacts.flatMap((c) => c.tags))]
      if (names.length > 0) {
        const tagIds = await store.tags.ensure(cmd.businessId, names, () => newId(), at)
        const idByPhone = new Map(saved.map((s) => [s.phone, s.id]))
        const pairs = contacts.flatMap((c) =>
          c.tags.map((t) => ({ contactId: idByPhone.get(c.phone) as string, tagId: tagIds.get(t.toLowerCase()) as string })),
        )
        await store.contacts.attachTags(pairs.filter((p) => p.contactId && p.tagId), at)
      }
      const created = saved.filter((s) => s.created).length
      const d = { bytesDone: bytes, rows: step.rows, created, updated: saved.length - created + step.dupes, invalid: step.invalid, problems: step.problems }
      if (cmd.importId) await store.contactImports.addProgress(cmd.importId, d, at)
      return d
    })
    totals.bytesDone = bytes
    totals.rows += result.rows
    totals.created += result.created
    totals.updated += result.updated
    totals.invalid += result.invalid
    cmd.onProgress?.({ ...totals })
  }

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!headerChecked) {
        const problems = checkHeader(Object.keys(record), fields)
        if (problems.length > 0) {
          throw ValidationError.fields(`The CSV header cannot be imported: ${problems.map((p) => `"${p.field}" ${p.problem}`).join('; ')}.`, problems, 'invalid_csv')
        }
        headerChecked = true
      }
      pending.rows++
      const r = readCsvRow(info.lines, record, fields)
      if (!r.ok) {
        pending.invalid++
        for (const p of r.problems) if (kept++ < MAX_KEPT_PROBLEMS) pending.problems.push(p)
        continue
      }
      const prev = batch.get(r.contact.phone)
      if (prev) pending.dupes++
      batch.set(r.contact.phone, prev ? merge(prev, r.contact) : r.contact)
      if (batch.size >= IMPORT_BATCH) await flush()
    }
    if (batch.size > 0 || pending.rows > 0) await flush()
  } catch (err) {
    // Stop reading the rest of a file that cannot be imported.
    cmd.source.destroy()
    if (err instanceof AppError) throw err
    const e = err as { code?: string; message?: string; lines?: number }
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      throw new ValidationError('invalid_csv', `The file is not valid CSV near line ${e.lines ?? '?'}: ${e.message}. Fix the file and import it again.`, { line: e.lines ?? null })
    }
    throw err
  }
  totals.bytesDone = bytes
  return totals
}

async function spool(source: Readable): Promise<{ dir: string; file: string; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-import-'))
  const file = join(dir, 'upload.csv')
  try {
    await pipeline(source, byteCounter(MAX_IMPORT_BYTES, () => {}), createWriteStream(file))
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    // Draining the rest keeps the connection usable for the error answer.
    source.resume()
    throw err
  }
  return { dir, file, bytes: (await stat(file)).size }
}

// A running import moves its heartbeat on with every batch and at least every HEARTBEAT_MS. One whose
// heartbeat is older than STALE_MS was cut off (the process running it stopped or crashed): reading it
// says so, instead of showing `running` forever.
const HEARTBEAT_MS = 10_000
const STALE_MS = 60_000
const INTERRUPTED = 'The import was interrupted because the server stopped; the rows counted so far were imported. Import the file again to finish (rows already imported are updated, not duplicated).'

/** Beats for the job until `work` settles. */
async function withHeartbeat<T>(deps: Deps, jobId: string, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    deps.store.contactImports.beat(jobId, deps.clock()).catch((err: unknown) => deps.log.warn({ err, importId: jobId }, 'contact import: heartbeat failed'))
  }, HEARTBEAT_MS)
  try {
    return await work()
  } finally {
    clearInterval(timer)
  }
}

/** Runs an import job to the end, recording success or the reason it failed. Never throws. */
async function runJob(deps: Deps, job: ContactImportRow, file: string, cleanup: () => Promise<void>): Promise<void> {
  try {
    await withHeartbeat(deps, job.id, () => importContacts(deps, { businessId: job.businessId, importId: job.id, source: createReadStream(file) }))
    await deps.store.contactImports.finish(job.id, 'completed', deps.clock())
  } catch (err) {
    const message = err instanceof AppError ? err.message : 'The import stopped because of an error on our side; import the file again.'
    if (!(err instanceof AppError)) deps.log.error({ err, importId: job.id }, 'contact import failed')
    await deps.store.contactImports.finish(job.id, 'failed', deps.clock(), message).catch(() => {})
  } finally {
    await cleanup()
  }
}

const running = new Set<Promise<void>>()

/** Resolves when every import started in this process has finished (shutdown, tests). */
export async function importsSettled(): Promise<void> {
  await Promise.all([...running])
}

/**
 * Accepts an upload: spools it to a temporary file (at most 50 MB), records a job and imports it in the
 * background. Follow the job with `getContactImport`.
 */
export async function startContactImport(
  deps: Deps,
  cmd: { businessId: string; source: Readable; declaredBytes?: number },
): Promise<ContactImportRow> {
  if (cmd.declaredBytes !== undefined && cmd.declaredBytes > MAX_IMPORT_BYTES) {
    cmd.source.resume()
    throw tooLarge()
  }
  const { dir, file, bytes } = await spool(cmd.source)
  let job: ContactImportRow
  try {
    const now = deps.clock()
    job = await deps.store.contactImports.insert({ id: newId(), businessId: cmd.businessId, status: 'running', bytesTotal: bytes, createdAt: now, heartbeatAt: now })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const p = runJob(deps, job, file, () => rm(dir, { recursive: true, force: true }))
  running.add(p)
  void p.finally(() => running.delete(p))
  return job
}

/** Imports a local file as a job, waiting for the end (CLI, operator operations). */
export async function importContactsFile(
  deps: Deps,
  cmd: { businessId: string; file: string; onProgress?: (p: ImportProgress & { bytesTotal: number }) => void },
): Promise<ContactImportRow> {
  const business = isUuid(cmd.businessId) ? await deps.store.businesses.get(cmd.businessId) : null
  if (!business) throw new NotFoundError('not_found', `No business has the id ${cmd.businessId}.`, { business_id: cmd.businessId })
  const bytesTotal = (await stat(cmd.file)).size
  if (bytesTotal > MAX_IMPORT_BYTES) throw tooLarge()
  const now = deps.clock()
  const job = await deps.store.contactImports.insert({ id: newId(), businessId: cmd.businessId, status: 'running', bytesTotal, createdAt: now, heartbeatAt: now })
  try {
    await withHeartbeat(deps, job.id, () => importContacts(deps, {
      businessId: cmd.businessId,
      importId: job.id,
      source: createReadStream(cmd.file),
      onProgress: (p) => cmd.onProgress?.({ ...p, bytesTotal }),
    }))
    return (await deps.store.contactImports.finish(job.id, 'completed', deps.clock())) ?? job
  } catch (err) {
    await deps.store.contactImports.finish(job.id, 'failed', deps.clock(), err instanceof AppError ? err.message : 'The import stopped because of an error.')
    throw err
  }
}

export async function getContactImport(deps: Deps, businessId: string, id: string): Promise<ContactImportRow> {
  const job = isUuid(id) ? await deps.store.contactImports.get(businessId, id) : null
  if (!job) throw new NotFoundError('not_found', `No contact import has the id ${id}.`, { id })
  if (job.status === 'running') {
    const now = deps.clock()
    const cutOff = await deps.store.contactImports.failIfStale(job.id, new Date(now.getTime() - STALE_MS), now, INTERRUPTED)
    if (cutOff) return cutOff
  }
  return job
}
