import type { EmulatorClock } from './clock.js'
import type { PairLimiter, ThroughputLimiter } from './limits.js'
import type { EmulatorState } from './state.js'
import type { Stats } from './stats.js'
import type { WebhookSender } from './webhook-sender.js'

/** Timers the emulator owns (status pipelines, template reviews), so close() and reset() can stop them all. */
export class TimerSet {
  private timers = new Set<NodeJS.Timeout>()
  private generation = 0

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    this.timers.add(t)
  }

  /** Resolves after `ms`, or never if the timers are cleared first (callers just stop there). */
  sleep(ms: number): Promise<boolean> {
    const gen = this.generation
    return new Promise((resolve) => {
      if (ms <= 0) { resolve(gen === this.generation); return }
      this.after(ms, () => resolve(gen === this.generation))
    })
  }

  clear(): void {
    this.generation++
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}

/** Everything a route or rule needs, built once per running emulator. */
export interface Ctx {
  state: EmulatorState
  clock: EmulatorClock
  stats: Stats
  webhooks: WebhookSender
  throughput: ThroughputLimiter
  pairs: PairLimiter
  timers: TimerSet
}
