// The emulator's notion of "now": real time plus an offset a test can move, so the 24-hour rule can
// be crossed without waiting. Rate limits and delays use real time instead: they model load, not dates.

export class EmulatorClock {
  constructor(private readonly offsetSeconds: () => number) {}

  nowMs(): number {
    return Date.now() + this.offsetSeconds() * 1000
  }

  /** Unix seconds as a string: the form every Meta webhook timestamp takes. */
  unix(): string {
    return String(Math.floor(this.nowMs() / 1000))
  }

  view(): { now: string; now_unix: number; offset_seconds: number } {
    const ms = this.nowMs()
    return { now: new Date(ms).toISOString(), now_unix: Math.floor(ms / 1000), offset_seconds: this.offsetSeconds() }
  }
}
