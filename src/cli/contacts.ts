import { createReadStream, existsSync } from 'node:fs'
import { rm, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import cliProgress from 'cli-progress'
import { loadConfig } from '../config.js'
import { readServerNote } from '../local-control.js'
import { openRuntime, type Runtime } from '../runtime.js'
import { exportContactsCsv } from '../services/contact-export.js'
import { importContactsFile } from '../services/contact-import.js'
import { importJson, resolveBusiness } from '../services/contact-ops.js'
import { DataDirLockedError } from '../store/lock.js'
import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'
import { runOp } from './run-op.js'

const USAGE = `usage:
  switchboard contacts import <file.csv> [--business <id>] [--json]
  switchboard contacts export [--business <id>] [--output <file.csv>]   (CSV on standard output by default)`

type ImportOut = ReturnType<typeof importJson>

/** This process's runtime, or null when a running server holds the embedded database. */
async function localRuntime(): Promise<Runtime | null> {
  const config = loadConfig()
  try {
    return await openRuntime(config)
  } catch (err) {
    if (err instanceof DataDirLockedError && readServerNote(config.dataDir)) return null
    throw err
  }
}

function progressBar(enabled: boolean) {
  const bar = new cliProgress.SingleBar(
    {
      format: 'Importing |{bar}| {percentage}% | {rows} rows: {created} created, {updated} updated, {invalid} invalid',
      stream: process.stderr,
      noTTYOutput: false,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done: number, total: number, p: { rows: number; created: number; updated: number; invalid: number }) {
      if (!enabled) return
      if (!started) bar.start(Math.max(total, 1), 0, p)
      started = true
      bar.update(Math.min(done, total), p)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

function report(job: ImportOut, json: boolean): void {
  if (json) return printJson(job)
  if (job.status === 'failed') throw new CliError(job.failure ?? 'The import failed.')
  println(`Imported ${job.rows_processed} rows: ${job.created} created, ${job.updated} updated, ${job.invalid} invalid.`)
  for (const e of job.errors.slice(0, 20)) println(`  line ${e.row}, ${e.column}: ${e.problem}`)
  if (job.invalid > 0 && job.errors.length > 20) println(`  … and more; run with --json for the first ${job.errors.length}.`)
}

async function importCommand(file: string, business: string | undefined, json: boolean): Promise<void> {
  const path = resolve(file)
  if (!existsSync(path)) throw new CliError(`There is no file ${path}.`)
  const bar = progressBar(!json && process.stderr.isTTY === true)
  const rt = await localRuntime()
  try {
    if (rt) {
      const businessId = await resolveBusiness(rt.deps, business)
      const job = await importContactsFile(rt.deps, {
        businessId,
        file: path,
        onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal, p),
      })
      bar.stop()
      return report(importJson(job), json)
    }
    // A running server holds the database: it reads the file and we follow the job.
    let job = await runOp<ImportOut>('contacts.import.start', { business, file: path })
    while (job.status === 'running') {
      bar.update(job.bytes_done, job.bytes_total, { rows: job.rows_processed, created: job.created, updated: job.updated, invalid: job.invalid })
      await new Promise((r) => setTimeout(r, 300))
      job = await runOp<ImportOut>('contacts.import.get', { business: job.business_id, id: job.id })
    }
    bar.stop()
    report(job, json)
  } finally {
    bar.stop()
    await rt?.close()
  }
}

/** `contacts export | head` closes our output early: that is the reader's choice, not an error. */
async function toOutput(p: Promise<void>): Promise<void> {
  try {
    await p
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err
  }
}

async function exportCommand(business: string | undefined, output: string | undefined): Promise<void> {
  const out = output ? (await import('node:fs')).createWriteStream(resolve(output)) : process.stdout
  const rt = await localRuntime()
  if (rt) {
    try {
      await toOutput(pipeline(await exportContactsCsv(rt.deps, await resolveBusiness(rt.deps, business), {}), out))
    } finally {
      await rt.close()
    }
    return
  }
  const dir = await mkdtemp(join(tmpdir(), 'sb-export-'))
  try {
    const { file } = await runOp<{ file: string }>('contacts.export', { business, file: join(dir, 'contacts.csv') })
    await toOutput(pipeline(createReadStream(file), out))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function contactsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {
    business: { type: 'string' },
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean', default: false },
  })
  if (sub === 'import') {
    if (!positionals[0]) throw new CliError('contacts import needs the CSV file\n' + USAGE)
    await importCommand(positionals[0], values.business, values.json)
  } else if (sub === 'export') {
    await exportCommand(values.business, values.output)
  } else {
    throw new CliError(USAGE)
  }
}
