import { describe, expect, test } from 'vitest'
import { MeterShare, SendMeter } from '../../src/domain/send-meter.js'

/** The provider's side: a strict sliding window of accepted sends, as Meta and the emulator keep it. */
class ProviderWindow {
  private accepted: number[] = []
  constructor(readonly limit: number, readonly windowMs: number) {}
  tryTake(at: number): boolean {
    this.accepted = this.accepted.filter((t) => at - t < this.windowMs)
    if (this.accepted.length >= this.limit) return false
    this.accepted.push(at)
    return true
  }
}

/** A small deterministic random source, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('send meter (mirror of the provider throughput meter)', () => {
  test('counts a call from the moment it is made, and an answered one for a window from its answer', () => {
    const m = new SendMeter(3, 1000)
    for (let i = 0; i < 3; i++) {
      expect(m.delayAt(0)).toBe(0)
      m.begin()
    }
    expect(m.delayAt(5)).toBeGreaterThan(0) // three unanswered calls fill the window: poll for answers
    m.end(10, true)
    m.end(20, true)
    m.end(30, true)
    expect(m.delayAt(40)).toBe(970) // the first answer leaves the window at 1010
    expect(m.delayAt(1010)).toBe(0)
  })

  test('a call refused because the meter was full (130429) is uncounted: its retry is not charged twice', () => {
    const m = new SendMeter(2, 1000)
    m.begin()
    m.begin()
    m.end(10, true)
    expect(m.delayAt(11)).toBeGreaterThan(0)
    m.end(12, false)
    expect(m.delayAt(13)).toBe(0)
  })

  test('a changed limit applies at once and keeps the history', () => {
    const m = new SendMeter(2, 1000)
    m.begin()
    m.end(0, true)
    m.begin()
    m.end(0, true)
    expect(m.delayAt(1)).toBe(999)
    m.limit = 3
    expect(m.delayAt(1)).toBe(0)
    m.limit = 1
    expect(m.delayAt(1)).toBe(999)
  })

  test('whatever the delays on the way, a send it lets through is never refused by the provider', () => {
    const limit = 50
    const windowMs = 1000
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seeded(seed)
      const meter = new SendMeter(limit, windowMs)
      const provider = new ProviderWindow(limit, windowMs)
      // Each call reaches the provider 1–40 ms after it is made (stalls, bunching) and is answered
      // 0–40 ms after that; the sender always has more to send than the limit allows.
      const arrivals: Array<{ at: number; answerIn: number }> = []
      const answers: Array<{ at: number; ok: boolean }> = []
      let refused = 0
      let accepted = 0
      for (let now = 0; now < 10_000; now++) {
        for (const a of arrivals.filter((x) => x.at === now)) {
          const ok = provider.tryTake(now)
          if (ok) accepted++
          else refused++
          answers.push({ at: now + a.answerIn, ok })
        }
        for (const a of answers.filter((x) => x.at === now)) meter.end(now, a.ok)
        while (meter.delayAt(now) === 0) {
          meter.begin()
          arrivals.push({ at: now + 1 + Math.floor(random() * 40), answerIn: Math.floor(random() * 40) })
        }
      }
      expect(refused).toBe(0)
      // The price of never being refused: each send is held for its answer's latency (≤ 80 ms here) on
      // top of the window, so at least limit × window / (window + 80 ms) go in each second.
      expect(accepted).toBeGreaterThanOrEqual(Math.floor(((limit * windowMs) / (windowMs + 80)) * 9))
    }
  })

  test('share: each refusal takes 10% off (not below the floor), accepted sends give it back slowly', () => {
    const share = new MeterShare()
    share.accepted()
    expect(share.value).toBe(1)
    share.refused()
    share.refused()
    expect(share.value).toBeCloseTo(0.81)
    for (let i = 0; i < 50; i++) share.accepted()
    expect(share.value).toBeCloseTo(0.91)
    for (let i = 0; i < 100; i++) share.refused()
    expect(share.value).toBe(0.05)
  })

  test('a provider that allows a fifth of throughput_mps: the pace settles there instead of being refused again and again', () => {
    const configured = 50
    const windowMs = 1000
    const meter = new SendMeter(configured, windowMs)
    const share = new MeterShare()
    const provider = new ProviderWindow(configured / 5, windowMs)
    const answers: Array<{ at: number; ok: boolean }> = []
    let refused = 0
    let accepted = 0
    let lateRefused = 0
    for (let now = 0; now < 60_000; now++) {
      for (const a of answers.filter((x) => x.at === now)) {
        meter.end(now, a.ok)
        if (a.ok) share.accepted()
        else share.refused()
      }
      meter.limit = Math.max(1, Math.floor(configured * share.value))
      while (meter.delayAt(now) === 0) {
        meter.begin()
        const ok = provider.tryTake(now)
        if (ok) accepted++
        else {
          refused++
          if (now >= 10_000) lateRefused++
        }
        answers.push({ at: now + 5, ok })
      }
    }
    // It learns within the first seconds; after that, a refusal now and then as it probes for more
    // (without the share, four of every five attempts would be refused, all along).
    expect(lateRefused).toBeLessThan(accepted / 10)
    expect(accepted).toBeGreaterThan(0.8 * (configured / 5) * 60) // most of what the provider allows
    expect(refused).toBeLessThan(accepted)
  })
})
