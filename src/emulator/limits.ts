// Rate limits as Meta applies them at send time. Both use real (monotonic) time: the emulator clock
// offset moves dates for the 24-hour rule, but load is always measured in wall-clock seconds.
import { performance } from 'node:perf_hooks'

/** Sliding one-second window of accepted sends per number (130429). */
export class ThroughputLimiter {
  private windows = new Map<string, number[]>()

  tryTake(phoneNumberId: string, mps: number): boolean {
    const now = performance.now()
    let w = this.windows.get(phoneNumberId)
    if (!w) { w = []; this.windows.set(phoneNumberId, w) }
    let drop = 0
    while (drop < w.length && now - w[drop] >= 1000) drop++
    if (drop) w.splice(0, drop)
    if (w.length >= mps) return false
    w.push(now)
    return true
  }

  reset(): void { this.windows.clear() }
}

/** At most `max` messages per `perSeconds` from one number to one customer (131056). */
export class PairLimiter {
  private sent = new Map<string, number[]>()

  tryTake(key: string, max: number, perSeconds: number): boolean {
    const now = performance.now()
    const w = (this.sent.get(key) ?? []).filter((t) => now - t < perSeconds * 1000)
    if (w.length >= max) { this.sent.set(key, w); return false }
    w.push(now)
    this.sent.set(key, w)
    return true
  }

  reset(): void { this.sent.clear() }
}
