import type { Logger } from 'pino'

// A small runner for background jobs (outbox dispatch, webhook delivery, broadcasts): start them
// together, stop them together on shutdown, and give each a helper to sleep until woken. Durable
// state lives in Postgres, so a job that is killed loses nothing; `stop` is only about not
// interrupting work that is half done (a provider call whose answer is not yet recorded).

export interface Job {
  readonly name: string
  start(): Promise<void>
  /** Finishes work in hand (within reason) and resolves when the job is idle. */
  stop(): Promise<void>
}

export class JobRunner {
  private readonly jobs: Job[] = []
  private started = false

  constructor(private readonly log: Logger) {}

  add(job: Job): this {
    this.jobs.push(job)
    return this
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    for (const job of this.jobs) {
      await job.start()
      this.log.debug({ job: job.name }, 'job started')
    }
  }

  /** Stops every job; a job that takes longer than `timeoutMs` is left behind (its leases expire). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started) return
    this.started = false
    await Promise.all(
      this.jobs.map(async (job) => {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<'timeout'>((res) => {
          timer = setTimeout(() => res('timeout'), timeoutMs)
          timer.unref()
        })
        const r = await Promise.race([job.stop().then(() => 'ok' as const), timeout]).catch((err: unknown) => {
          this.log.error({ err, job: job.name }, 'job failed to stop')
          return 'error' as const
        })
        clearTimeout(timer)
        if (r === 'timeout') this.log.warn({ job: job.name }, 'job did not stop in time; its leased work will be retried')
      }),
    )
  }
}

/**
 * A sleep that `wake()` cuts short. Wakes that come while nobody sleeps are remembered, so a
 * notification between "found nothing" and "go to sleep" is not lost.
 */
export class Waker {
  private pending = false
  private resolve: (() => void) | null = null
  private timer: NodeJS.Timeout | null = null

  wake(): void {
    if (this.resolve) this.finish()
    else this.pending = true
  }

  /** Resolves after `ms` (null: only on wake) or at the next wake, whichever comes first. */
  sleep(ms: number | null): Promise<void> {
    if (this.pending) {
      this.pending = false
      return Promise.resolve()
    }
    return new Promise<void>((res) => {
      this.resolve = res
      if (ms !== null) this.timer = setTimeout(() => this.finish(), Math.max(0, ms))
    })
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const r = this.resolve
    this.resolve = null
    r?.()
  }
}
