// WhatsApp meters a number's throughput over any one second (the emulator does the same: a sliding
// window). A send that would be the (limit+1)-th within the window is refused with 130429 and costs a
// retry, and the customer's later messages wait behind it. Pacing slots alone do not prevent that:
// timers that fire late bunch sends together. So each send also passes this mirror of the meter,
// by our own clock, and waits its turn instead of being refused.

export class SendMeter {
  private readonly times: number[]
  private head = 0
  private count = 0

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {
    this.times = new Array<number>(Math.max(1, limit))
  }

  /** Ms to wait before one more send fits in the window at `now` (0: it fits now). */
  delayAt(now: number): number {
    if (this.count < this.times.length) return 0
    return Math.max(0, this.times[this.head] + this.windowMs - now)
  }

  /** Counts a send made at `now`. */
  record(now: number): void {
    const cap = this.times.length
    if (this.count < cap) {
      this.times[(this.head + this.count) % cap] = now
      this.count++
    } else {
      this.times[this.head] = now
      this.head = (this.head + 1) % cap
    }
  }
}
