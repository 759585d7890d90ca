// WhatsApp meters a number's throughput over any one second (the emulator does the same: a sliding
// window). A send that would be the (limit+1)-th within the window is refused with 130429 and costs a
// retry, and the customer's later messages wait behind it. Pacing slots alone do not prevent that:
// timers that fire late, and stalls on either side of the wire, bunch the sends' arrivals together.
//
// So each send also passes this mirror of the provider's meter, and waits its turn instead of being
// refused. The provider counts a send at some moment between our call and its answer, which we cannot
// see; the mirror counts it from the call (while unanswered) and then from the answer for a full
// window. That never expires a send before the provider does, so whatever the delays on the way, a send
// the mirror lets through finds room at the provider (when this process is the number's only sender).
// The price is the answer's latency, a few ms per second of window.

export class SendMeter {
  /** Answer times of the counted sends still in the window, oldest first. */
  private readonly answered: number[] = []
  private head = 0
  private unanswered = 0

  /** `limit` may change at any time (the number's throughput did): the history stays. */
  constructor(
    public limit: number,
    readonly windowMs = 1000,
  ) {}

  /**
   * Ms to wait before one more send fits at `now` (0: it fits now). When unanswered calls alone fill
   * the window, only an answer can change that, so the wait is a short poll.
   */
  delayAt(now: number): number {
    this.expire(now)
    const inWindow = this.answered.length - this.head
    if (inWindow + this.unanswered < this.limit) return 0
    if (inWindow > 0) return Math.max(1, this.answered[this.head] + this.windowMs - now)
    return 5
  }

  /** A call is made: it counts until it is answered. */
  begin(): void {
    this.unanswered++
  }

  /**
   * The call was answered at `now`. `counted` false: the provider refused it because its meter was full
   * (130429), so it did not count there and is uncounted here. Any other answer, a timeout included,
   * may have counted and stays for a window from now.
   */
  end(now: number, counted: boolean): void {
    this.unanswered = Math.max(0, this.unanswered - 1)
    if (counted) this.answered.push(now)
  }

  private expire(now: number): void {
    while (this.head < this.answered.length && this.answered[this.head] + this.windowMs <= now) this.head++
    // Compact now and then, not on every expiry.
    if (this.head > 1024 && this.head * 2 > this.answered.length) {
      this.answered.splice(0, this.head)
      this.head = 0
    }
  }
}

/**
 * The share of throughput_mps the provider turns out to allow. Normally 1: the meter above keeps a
 * lone sender out of 130429 altogether. Refusals mean someone else sends for the number too, or that
 * the provider's limit is below the configured one (a number still on Meta's standard tier): each
 * refusal takes 10% off, each accepted send gives a little back, so the pace settles at what the
 * provider takes instead of being refused again and again.
 */
export class MeterShare {
  value = 1

  constructor(
    readonly floor = 0.05,
    readonly cut = 0.9,
    readonly regain = 0.002,
  ) {}

  refused(): void {
    this.value = Math.max(this.floor, this.value * this.cut)
  }

  accepted(): void {
    if (this.value < 1) this.value = Math.min(1, this.value + this.regain)
  }
}
