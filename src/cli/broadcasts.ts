import cliProgress from 'cli-progress'
import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'
import { runOp } from './run-op.js'

const USAGE = 'usage: switchboard broadcasts watch <broadcast-id> [--json]'

interface Watched {
  id: string
  name: string
  status: string
  pause_reason: string | null
  template: string
  counts: { total: number; queued: number; sent: number; delivered: number; read: number; failed: number; skipped: number }
}

const FINISHED = ['completed', 'cancelled']

/** `switchboard broadcasts watch <id>`: a live progress bar until the broadcast finishes (Ctrl+C to leave). */
export async function broadcastsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false }, interval: { type: 'string' } })
  const id = positionals[0]
  if (sub !== 'watch' || !id) throw new CliError(USAGE)
  const intervalMs = Math.max(200, Number(values.interval ?? 1000) || 1000)
  const bar = new cliProgress.SingleBar(
    {
      format: '{name} |{bar}| {percentage}% | {done}/{total} handed over · {delivered} delivered · {read} read · {failed} failed · {skipped} skipped · {status}',
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  for (;;) {
    const b = await runOp<Watched>('broadcasts.get', { id })
    const c = b.counts
    const done = c.total - c.queued
    if (values.json) printJson(b)
    else {
      const payload = { name: b.name, done, total: c.total, delivered: c.delivered, read: c.read, failed: c.failed, skipped: c.skipped, status: b.status }
      if (!started) bar.start(Math.max(1, c.total), done, payload)
      else {
        bar.setTotal(Math.max(1, c.total))
        bar.update(done, payload)
      }
      started = true
    }
    if (FINISHED.includes(b.status) || (b.status === 'paused' && values.json)) {
      if (started) bar.stop()
      if (!values.json) {
        println(`Broadcast "${b.name}" ${b.status}: ${c.total} recipients, ${c.sent + c.delivered + c.read} sent (${c.delivered} delivered, ${c.read} read), ${c.failed} failed, ${c.skipped} skipped.`)
      }
      return
    }
    if (b.status === 'paused' && b.pause_reason && !values.json) bar.update(done, { status: `paused: ${b.pause_reason}` })
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
