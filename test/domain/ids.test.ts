import { describe, expect, test } from 'vitest'
import { isUuid, newId } from '../../src/domain/ids.js'

describe('ids', () => {
  test('UUIDv7: valid, unique and increasing, also many within one millisecond and across refills of the random pool', () => {
    const now = Date.now()
    // 5,000 ids need 80 kB of randomness: the 4 kB pool is refilled many times.
    const ids = Array.from({ length: 5000 }, (_, i) => newId(now + Math.floor(i / 1000)))
    for (const id of ids) {
      expect(isUuid(id)).toBe(true)
      expect(id[14]).toBe('7')
      expect('89ab').toContain(id[19])
    }
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })
})
