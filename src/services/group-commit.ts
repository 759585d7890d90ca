import type { Deps } from './deps.js'

// Group commit: requests that arrive while a batch is in the database wait and go together in the
// next one. Each caller still gets its own answer only after the statement holding its item has
// finished (committed), but fifty concurrent requests cost one round trip and one commit instead of
// fifty. Under no load a batch holds one item and nothing waits.

export interface GroupCommitOptions<In, Out> {
  /** Runs one batch; answers in the same order as `items`. */
  run: (items: In[]) => Promise<Out[]>
  /** How much of a batch an item takes (default 1). */
  weight?: (item: In) => number
  /** Largest batch, in weight. */
  maxWeight: number
  /** Batches in the database at once (default 1). A second one overlaps the round trip of the first. */
  concurrency?: number
}

interface Waiting<In, Out> {
  item: In
  weight: number
  resolve: (out: Out) => void
  reject: (err: unknown) => void
}

export type GroupCommit<In, Out> = (item: In) => Promise<Out>

export function groupCommit<In, Out>(opts: GroupCommitOptions<In, Out>): GroupCommit<In, Out> {
  const waiting: Array<Waiting<In, Out>> = []
  const concurrency = opts.concurrency ?? 1
  let running = 0

  const take = (): Array<Waiting<In, Out>> => {
    let n = 0
    let weight = 0
    while (n < waiting.length && (n === 0 || weight + waiting[n].weight <= opts.maxWeight)) weight += waiting[n++].weight
    return waiting.splice(0, n)
  }

  const settle = async (batch: Array<Waiting<In, Out>>): Promise<void> => {
    try {
      const out = await opts.run(batch.map((w) => w.item))
      batch.forEach((w, i) => w.resolve(out[i]))
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err)
      // One bad item must not fail the others: take them one at a time.
      for (const w of batch) {
        try {
          w.resolve((await opts.run([w.item]))[0])
        } catch (e) {
          w.reject(e)
        }
      }
    }
  }

  const drain = async (): Promise<void> => {
    running++
    try {
      while (waiting.length) await settle(take())
    } finally {
      running--
    }
  }

  // A batch starts at the end of the event loop's turn, not at the first request: the requests that
  // arrived together (parsed in one turn) go in it together. This matters most on the embedded database,
  // whose statements run on this thread: while one runs no request can arrive to join it, so without
  // the wait every batch would hold one item.
  let scheduled = false
  const kick = () => {
    if (scheduled || running >= concurrency) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      if (waiting.length && running < concurrency) void drain()
    })
  }

  return (item: In) =>
    new Promise<Out>((resolve, reject) => {
      waiting.push({ item, weight: opts.weight?.(item) ?? 1, resolve, reject })
      kick()
    })
}

/** Answers for a batch from the rows a statement returned: the row with each item's key, or null. */
export function answersByKey<In, Row>(items: In[], rows: Row[], keyOfItem: (item: In) => string, keyOfRow: (row: Row) => string): Array<Row | null> {
  const byKey = new Map(rows.map((r) => [keyOfRow(r), r]))
  return items.map((i) => byKey.get(keyOfItem(i)) ?? null)
}

/**
 * Group-committed reads: lookups that arrive while a batch is in the database go together in the next
 * one, a key asked twice is read once, and each batch starts after its callers arrived, so no answer
 * is older than the request that asked. For the hot lookups of the send path, which would otherwise
 * cost one round trip per request. Outside transactions only: a transaction reads on its own connection.
 */
export function groupLookup<V>(load: (keys: string[]) => Promise<Map<string, V>>, maxKeys = 500): GroupCommit<string, V | null> {
  return groupCommit<string, V | null>({
    maxWeight: maxKeys,
    // Two batches at once: a burst's second batch does not wait for the first one's round trip.
    concurrency: 2,
    run: async (keys) => {
      const found = await load([...new Set(keys)])
      return keys.map((k) => found.get(k) ?? null)
    },
  })
}

/** Rows by a key, for groupLookup. */
export function byKey<V>(rows: V[], keyOf: (row: V) => string): Map<string, V> {
  return new Map(rows.map((r) => [keyOf(r), r]))
}

/** One group-commit queue per store (tests run many apps in one process, each with its own store). */
export function perStore<In, Out>(make: (deps: Deps) => GroupCommit<In, Out>): (deps: Deps) => GroupCommit<In, Out> {
  const queues = new WeakMap<object, GroupCommit<In, Out>>()
  return (deps) => {
    let q = queues.get(deps.store)
    if (!q) queues.set(deps.store, (q = make(deps)))
    return q
  }
}
