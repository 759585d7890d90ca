// Counters a person or a benchmark reads from GET /_emulator/stats. Rates use real time.

const WINDOW_S = 10

export class Stats {
  acceptedSends = 0
  rejectedByCode = new Map<number, number>()
  asyncFailedByCode = new Map<number, number>()
  inbound = 0
  webhooks = { posted: 0, delivered: 0, retried: 0, gave_up: 0, events: 0 }
  /** Per number: unix second → accepted sends in it (last minute only). */
  private perSecond = new Map<string, Map<number, number>>()

  accepted(phoneNumberId: string): void {
    this.acceptedSends++
    const sec = Math.floor(Date.now() / 1000)
    let m = this.perSecond.get(phoneNumberId)
    if (!m) { m = new Map(); this.perSecond.set(phoneNumberId, m) }
    m.set(sec, (m.get(sec) ?? 0) + 1)
    if (m.size > 60) for (const k of m.keys()) if (k < sec - 60) m.delete(k)
  }

  rejected(code: number): void {
    this.rejectedByCode.set(code, (this.rejectedByCode.get(code) ?? 0) + 1)
  }

  asyncFailed(code: number): void {
    this.asyncFailedByCode.set(code, (this.asyncFailedByCode.get(code) ?? 0) + 1)
  }

  /**
   * Rates over the last WINDOW_S complete seconds. `recent_per_second` averages from the first busy
   * second in the window, so a burst that started 3 s ago is not diluted by 7 idle seconds.
   */
  view(throughputOf: (phoneNumberId: string) => number | undefined): Record<string, unknown> {
    const nowSec = Math.floor(Date.now() / 1000)
    const perNumber: Record<string, unknown> = {}
    let totalRecent = 0
    let totalPeak = 0
    for (const [id, m] of this.perSecond) {
      const seconds: Array<{ second: number; count: number }> = []
      for (let s = nowSec - WINDOW_S; s < nowSec; s++) seconds.push({ second: s, count: m.get(s) ?? 0 })
      const firstBusy = seconds.findIndex((s) => s.count > 0)
      const busy = firstBusy < 0 ? [] : seconds.slice(firstBusy)
      const sum = busy.reduce((a, s) => a + s.count, 0)
      const recent = busy.length ? sum / busy.length : 0
      const peak = Math.max(0, ...m.values())
      const cap = throughputOf(id)
      totalRecent += recent
      totalPeak = Math.max(totalPeak, peak)
      perNumber[id] = {
        throughput_mps: cap ?? null,
        recent_per_second: round(recent),
        peak_per_second: peak,
        recent_percent_of_cap: cap ? round((recent / cap) * 100) : null,
        peak_percent_of_cap: cap ? round((peak / cap) * 100) : null,
        last_seconds: seconds,
      }
    }
    return {
      accepted_sends: this.acceptedSends,
      rejected_sends: Object.fromEntries(this.rejectedByCode),
      async_failures: Object.fromEntries(this.asyncFailedByCode),
      inbound_messages: this.inbound,
      webhooks: { ...this.webhooks },
      window_seconds: WINDOW_S,
      accepted_per_second_recent: round(totalRecent),
      accepted_per_second_peak: totalPeak,
      per_number: perNumber,
    }
  }

  reset(): void {
    this.acceptedSends = 0
    this.inbound = 0
    this.rejectedByCode.clear()
    this.asyncFailedByCode.clear()
    this.webhooks = { posted: 0, delivered: 0, retried: 0, gave_up: 0, events: 0 }
    this.perSecond.clear()
  }
}

const round = (n: number): number => Math.round(n * 100) / 100
