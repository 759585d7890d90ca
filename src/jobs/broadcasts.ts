import type { Deps } from '../services/deps.js'
import { BROADCAST_CHANNEL, fanOutRound } from '../services/broadcasts.js'
import { Waker, type Job } from './runner.js'

// Feeds running broadcasts into the outbox a batch at a time (and starts scheduled ones when due).
// Recipients are claimed with FOR UPDATE SKIP LOCKED and queued in the same transaction that marks
// them, so several processes can run this and a crash loses or repeats no recipient.

const IDLE_MS = 250

export interface BroadcastJob extends Job {
  /** One round over every active broadcast now (tests). Returns recipients handled. */
  tick(): Promise<number>
  wake(): void
}

export function broadcastJob(deps: Deps): BroadcastJob {
  const waker = new Waker()
  let stopped = true
  let loop: Promise<void> = Promise.resolve()
  let unlisten: (() => Promise<void>) | null = null

  async function tick(): Promise<number> {
    let handled = 0
    for (const b of await deps.store.broadcasts.active(deps.clock())) {
      try {
        handled += await fanOutRound(deps, b)
      } catch (err) {
        deps.log.error({ err, broadcast_id: b.id }, 'broadcast fan-out round failed')
      }
    }
    return handled
  }

  return {
    name: 'broadcasts',
    tick,
    wake: () => waker.wake(),
    async start() {
      if (!stopped) return
      stopped = false
      unlisten = await deps.store.database.listen(BROADCAST_CHANNEL, () => waker.wake())
      loop = (async () => {
        while (!stopped) {
          let handled = 0
          try {
            handled = await tick()
          } catch (err) {
            deps.log.error({ err }, 'broadcast job round failed')
          }
          if (!stopped) await waker.sleep(handled > 0 ? 20 : IDLE_MS)
        }
      })()
    },
    async stop() {
      stopped = true
      waker.wake()
      await loop
      await unlisten?.()
    },
  }
}
