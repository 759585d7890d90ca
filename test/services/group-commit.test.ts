import { describe, expect, test } from 'vitest'
import { groupCommit, groupLookup } from '../../src/services/group-commit.js'

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('group commit', () => {
  test('requests of one turn go in one batch, those arriving while it runs in the next; each gets its own result', async () => {
    const batches: number[][] = []
    const q = groupCommit<number, number>({
      maxWeight: 100,
      run: async (items) => {
        batches.push(items)
        await tick()
        return items.map((i) => i * 10)
      },
    })
    const together = [1, 2, 3].map((i) => q(i))
    await new Promise((r) => setTimeout(r, 1))
    const later = [4, 5].map((i) => q(i))
    expect(await Promise.all([...together, ...later])).toEqual([10, 20, 30, 40, 50])
    expect(batches).toEqual([[1, 2, 3], [4, 5]])
  })

  test('a batch never exceeds the largest weight, and an item heavier than that still goes alone', async () => {
    const batches: number[][] = []
    const q = groupCommit<number, number>({
      maxWeight: 5,
      weight: (i) => i,
      run: async (items) => {
        batches.push(items)
        await tick()
        return items
      },
    })
    await Promise.all([q(1), q(2), q(3), q(9), q(1)])
    expect(batches).toEqual([[1, 2], [3], [9], [1]])
  })

  test('one failing item fails alone: the batch is retried one at a time', async () => {
    const q = groupCommit<number, string>({
      maxWeight: 100,
      run: async (items) => {
        await tick()
        if (items.includes(3)) throw new Error('bad item 3')
        return items.map(String)
      },
    })
    const results = await Promise.allSettled([q(1), q(2), q(3), q(4)])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['1', '2', 'bad item 3', '4'])
  })

  test('lookups: a key asked by many at once is read once; unknown keys answer null', async () => {
    const reads: string[][] = []
    const lookup = groupLookup<string>(async (keys) => {
      reads.push(keys)
      await tick()
      return new Map(keys.filter((k) => k !== 'nobody').map((k) => [k, k.toUpperCase()]))
    })
    const answers = await Promise.all(['ana', 'bo', 'ana', 'nobody', 'ana'].map((k) => lookup(k)))
    expect(answers).toEqual(['ANA', 'BO', 'ANA', null, 'ANA'])
    expect(reads).toEqual([['ana', 'bo', 'nobody']])
  })

  test('lookups: no answer is older than the request: a caller who arrives during a read gets the next one', async () => {
    let value = 'old'
    const lookup = groupLookup<string>(async (keys) => {
      const seen = value
      await tick()
      return new Map(keys.map((k) => [k, seen]))
    })
    const early = lookup('k')
    await new Promise((r) => setTimeout(r, 1))
    value = 'new'
    const late = lookup('k')
    expect(await early).toBe('old')
    expect(await late).toBe('new')
  })
})
