import { describe, expect, test } from 'vitest'
import { groupCommit } from '../../src/services/group-commit.js'

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('group commit', () => {
  test('requests arriving while a batch runs go together in the next one, each answered with its own result', async () => {
    const batches: number[][] = []
    const q = groupCommit<number, number>({
      maxWeight: 100,
      run: async (items) => {
        batches.push(items)
        await tick()
        return items.map((i) => i * 10)
      },
    })
    const first = q(1)
    const rest = [2, 3, 4, 5].map((i) => q(i))
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50])
    expect(batches).toEqual([[1], [2, 3, 4, 5]])
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
    expect(batches).toEqual([[1], [2, 3], [9], [1]])
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
})
