import { describe, expect, test } from 'vitest'
import { SendMeter } from '../../src/domain/send-meter.js'

describe('send meter (mirror of the provider throughput meter)', () => {
  test('lets `limit` sends through in a window, then says how long the next must wait', () => {
    const m = new SendMeter(3, 1000)
    for (const t of [0, 10, 20]) {
      expect(m.delayAt(t)).toBe(0)
      m.record(t)
    }
    expect(m.delayAt(30)).toBe(970) // the send at 0 leaves the window at 1000
    expect(m.delayAt(1000)).toBe(0)
    m.record(1000)
    expect(m.delayAt(1001)).toBe(9) // now the oldest is the send at 10
  })

  test('never more than `limit` in any window, however bunched the attempts', () => {
    const m = new SendMeter(5, 100)
    const sent: number[] = []
    let now = 0
    for (let i = 0; i < 40; i++) {
      now += i % 7 === 0 ? 0 : 3 // bursts of simultaneous attempts
      now += m.delayAt(now)
      m.record(now)
      sent.push(now)
    }
    for (const t of sent) expect(sent.filter((x) => x >= t && x < t + 100).length).toBeLessThanOrEqual(5)
  })
})
