import type { Deps } from '../services/deps.js'
import { advanceDueSenders } from '../services/senders-provisioning.js'

// Advances senders whose review or launch is due. The due time is a column (`due_at`), claimed with
// FOR UPDATE SKIP LOCKED under a lease, so any number of processes can run this loop on one Postgres
// and a restart never loses a sender: whatever was due is simply found again.

const BATCH = 16

/** Shaped like the runner's `Job` (src/jobs/runner.ts): name, start, stop; plus `tick` for tests. */
export interface SenderJob {
  readonly name: 'senders'
  start(): Promise<void>
  stop(): Promise<void>
  /** One claim-and-advance round now. Returns how many senders it claimed. */
  tick(): Promise<number>
}

export function senderJob(deps: Deps, opts: { pollMs?: number } = {}): SenderJob {
  const pollMs = opts.pollMs ?? deps.config.senderPollMs
  let stopped = true
  let timer: NodeJS.Timeout | null = null
  let current: Promise<unknown> = Promise.resolve()

  const tick = (): Promise<number> => {
    const run = advanceDueSenders(deps, BATCH)
    current = run.catch(() => 0)
    return run
  }

  const loop = async (): Promise<void> => {
    if (stopped) return
    let claimed = 0
    try {
      claimed = await tick()
    } catch (err) {
      deps.log.error({ err }, 'senders job round failed')
    }
    if (stopped) return
    // A full batch means more may be due: go again at once instead of waiting a poll.
    timer = setTimeout(() => void loop(), claimed >= BATCH ? 0 : pollMs)
  }

  return {
    name: 'senders',
    tick,
    async start() {
      if (!stopped) return
      stopped = false
      timer = setTimeout(() => void loop(), 0)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      await current
    },
  }
}

/** Starts the loop; the server stops it on shutdown. */
export async function startSenderJob(deps: Deps, opts: { pollMs?: number } = {}): Promise<SenderJob> {
  const job = senderJob(deps, opts)
  await job.start()
  return job
}
