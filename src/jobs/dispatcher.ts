import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { registerGauge } from '../api/plugins/metrics.js'
import { MeterShare, SendMeter } from '../domain/send-meter.js'
import type { NumberCredentials } from '../providers/index.js'
import type { Deps } from '../services/deps.js'
import {
  claimSends, credentialsForDispatch, QUICK_THROUGHPUT_RETRIES, quickRetryDelayMs, recordOutcomes, sendClaimed, type ClaimedSend, type SendOutcome,
} from '../services/dispatch.js'
import { OUTBOX_CHANNEL } from '../store/messages.js'
import type { NumberRow } from '../store/numbers.js'
import { Waker, type Job } from './runner.js'

// The outbox dispatcher. One lane per number with work; each lane claims the heads of its
// conversations (FOR UPDATE SKIP LOCKED) together with pacing slots from the number's row in
// number_pacing, sends each message at its slot, and records the outcomes in batches.
//
// Rate across processes: coordinated through the database, not divided. Every claim moves the
// number's shared "next send time" (GCRA) forward by one interval per message, so N processes
// together send at the number's throughput_mps whatever N is, a process that dies frees its share at
// once, and no process needs to know how many others there are. The cost is one row update per claim
// (a claim covers `lookaheadMs` of sends, e.g. 50 messages at 1,000/s), not per message.
//
// Within a process, each send also waits its turn at the number's SendMeter, a mirror of the
// provider's one-second meter that counts a send until its answer is heard: late timers and slow
// answers never push a send into a full provider window, so 130429 refusals do not happen when one
// process sends for the number.
//
// Wake-ups: NOTIFY from the send's own INSERT statement (delivered at commit), plus a poll that also
// picks up retries coming due and rows whose lease expired after a crash.

export interface DispatcherOptions {
  /** Lease owner id; unique per process. */
  owner?: string
  pollMs?: number
  /** How long a claimed row stays ours; longer than a provider call can take (adapter timeout 15 s). */
  leaseMs?: number
  /** How far ahead pacing slots are reserved per claim. */
  lookaheadMs?: number
  maxBatch?: number
  /** Claim pacing slots (shared by all processes) at this fraction of throughput_mps. */
  rateFactor?: number
  /** How much time a number lost (a slow claim) may be made up for with a burst; see ClaimOptions. */
  burstMs?: number
  /** The send meter's limit, as a fraction of throughput_mps (see SendMeter). */
  meterFactor?: number
  /** Sends scheduled or running in this process, all numbers together. */
  maxInFlight?: number
  /** How long outcomes wait to be written together. */
  flushMs?: number
  /** PGlite only; false when two apps share one in-memory database in a test. */
  releaseStaleLeasesAtStart?: boolean
}

export interface Dispatcher extends Job {
  wake(numberId?: string): void
  /** Sends handed to the provider by this process since start (accepted, failed or retried). */
  readonly counters: { attempted: number; accepted: number; failed: number; retried: number; quickRetried: number }
}

const NUMBER_REFRESH_MS = 2_000

/** The outbox's depth on /metrics. */
export function registerOutboxGauges(deps: Deps): void {
  registerGauge('switchboard_outbox_queued', 'Outbound messages waiting in the outbox, by number and lane (in flight included).', async () =>
    (await deps.store.outbox.depths()).map((d) => ({ labels: { number_id: d.numberId, lane: d.lane }, value: d.queued })),
  )
  registerGauge('switchboard_outbox_in_flight', 'Outbox rows leased by a dispatcher (being sent), by number and lane.', async () =>
    (await deps.store.outbox.depths()).map((d) => ({ labels: { number_id: d.numberId, lane: d.lane }, value: d.inFlight })),
  )
}

export function createDispatcher(deps: Deps, options: DispatcherOptions = {}): Dispatcher {
  const o = {
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    pollMs: options.pollMs ?? 1_000,
    leaseMs: options.leaseMs ?? 20_000,
    // Claims far enough ahead that a slow claim never leaves the number idle; on PGlite (one connection,
    // shared with the outcome records) shorter, so fewer sends are in flight when a process dies.
    lookaheadMs: options.lookaheadMs ?? (deps.store.database.kind === 'pglite' ? 50 : 200),
    maxBatch: options.maxBatch ?? 500,
    rateFactor: options.rateFactor ?? 0.995,
    meterFactor: options.meterFactor ?? 1,
    maxInFlight: options.maxInFlight ?? 1_000,
    flushMs: options.flushMs ?? 5,
  }
  // Half a lookahead: about what one slow claim can cost.
  const burstMs = options.burstMs ?? o.lookaheadMs / 2
  const lanes = new Map<string, NumberLane>()
  const counters = { attempted: 0, accepted: 0, failed: 0, retried: 0, quickRetried: 0 }
  let inFlight = 0
  const capacity = new Waker()
  let stopping = false
  let unlisten: (() => Promise<void>) | null = null
  let pollTimer: NodeJS.Timeout | null = null

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

  class NumberLane {
    readonly waker = new Waker()
    private number: NumberRow | null = null
    private creds: NumberCredentials | null = null
    private loadedAt = 0
    /** Claimed rows whose slot has not come yet: given back untouched on stop. */
    private readonly scheduled = new Map<string, NodeJS.Timeout>()
    private running = 0
    private outcomes: SendOutcome[] = []
    private flushTimer: NodeJS.Timeout | null = null
    private flushRunning = false
    private flushing: Promise<void> = Promise.resolve()
    private readonly meter = new SendMeter(1)
    private readonly share = new MeterShare()
    private shareFor = 0
    private warnedAt = 0
    private meterQueue: Promise<void> = Promise.resolve()
    /** Sends due, waiting for their turn at the meter. */
    private metering = 0
    readonly done: Promise<void>

    constructor(readonly numberId: string) {
      this.done = this.loop()
    }

    private async refresh(): Promise<NumberRow | null> {
      if (this.number && Date.now() - this.loadedAt < NUMBER_REFRESH_MS) return this.number
      this.number = await deps.store.numbers.byId(this.numberId)
      this.creds = this.number ? credentialsForDispatch(deps, this.number) : null
      this.loadedAt = Date.now()
      return this.number
    }

    private async loop(): Promise<void> {
      let ensured = false
      while (!stopping) {
        try {
          const number = await this.refresh()
          if (!number) {
            await this.waker.sleep(null)
            continue
          }
          if (!ensured) {
            await deps.store.outbox.ensurePacing(this.numberId)
            ensured = true
          }
          if (number.status === 'disconnected') {
            // Its queue waits for a new token (PATCH /v1/numbers/:id reconnects it).
            await this.waker.sleep(o.pollMs * 5)
            continue
          }
          if (inFlight >= o.maxInFlight) {
            await capacity.sleep(o.pollMs)
            continue
          }
          if (this.metering > (number.throughputMps * o.lookaheadMs) / 1000) {
            // The provider's meter is the bottleneck just now (slow answers hold it): claim no further
            // ahead than one lookahead, so claimed rows do not pile up here under their leases.
            await sleep(o.lookaheadMs / 2)
            continue
          }
          const res = await claimSends(deps, {
            numberId: this.numberId,
            owner: o.owner,
            leaseMs: o.leaseMs,
            lookaheadMs: o.lookaheadMs,
            maxBatch: Math.min(o.maxBatch, o.maxInFlight - inFlight),
            rateFactor: o.rateFactor,
            burstMs,
          })
          if (stopping) {
            await deps.store.outbox.release(res.sends.map((s) => s.message.id), o.owner)
            break
          }
          if (res.sends.length > 0) {
            for (const s of res.sends) this.schedule(s)
            // Claim again when about half the reserved lookahead is left.
            await sleep(Math.max(0, res.sends[res.sends.length - 1].sendInMs - o.lookaheadMs / 2))
            continue
          }
          const wait = res.paceWaitMs > 0 ? res.paceWaitMs : res.nextDueInMs === null ? null : Math.min(Math.max(res.nextDueInMs, o.flushMs), o.pollMs)
          await this.waker.sleep(wait)
        } catch (err) {
          if (stopping) break
          deps.log.error({ err, numberId: this.numberId }, 'dispatcher: lane failed; retrying')
          await this.waker.sleep(o.pollMs)
        }
      }
    }

    private schedule(s: ClaimedSend): void {
      inFlight++
      const t = setTimeout(() => {
        this.scheduled.delete(s.message.id)
        void this.send(s)
      }, s.sendInMs)
      this.scheduled.set(s.message.id, t)
    }

    private async send(s: ClaimedSend): Promise<void> {
      this.running++
      counters.attempted++
      const number = this.number
      const creds = this.creds
      let outcome: SendOutcome
      if (!number || !creds) outcome = { kind: 'retry', messageId: s.message.id, delayMs: 1000, error: { code: 'number_missing' } }
      else outcome = await this.sendMetered(number, creds, s)
      this.running--
      if (outcome.kind === 'accepted') counters.accepted++
      else if (outcome.kind === 'failed') {
        counters.failed++
        // A refused token disconnected the number: re-read it now so the lane stops claiming.
        if (outcome.error.provider_code === 190) this.loadedAt = 0
      }
      else counters.retried++
      this.outcomes.push(outcome)
      this.scheduleFlush()
    }

    /**
     * One send through the meter (see SendMeter). A refusal because the provider's meter was full
     * (130429) is tried again here, keeping the lease and so the customer's order, after a short backoff:
     * the refused call did not count at the provider, and its pacing slot is not claimed twice. After
     * QUICK_THROUGHPUT_RETRIES the message goes back to the queue with the usual backoff. Refusals also
     * lower the lane's share of throughput_mps (MeterShare), so a provider that allows less is not
     * asked again and again.
     */
    private async sendMetered(number: NumberRow, creds: NumberCredentials, s: ClaimedSend): Promise<SendOutcome> {
      for (let quick = 0; ; quick++) {
        await this.meterTurn()
        const outcome = await sendClaimed(deps, number, creds, s)
        const full = outcome.kind === 'retry' && outcome.throughputFull === true
        this.meter.end(performance.now(), !full)
        if (full) this.providerRefused(number)
        else if (outcome.kind === 'accepted') this.share.accepted()
        if (!full || quick >= QUICK_THROUGHPUT_RETRIES || stopping) return outcome
        counters.quickRetried++
        await sleep(quickRetryDelayMs(quick))
      }
    }

    private providerRefused(number: NumberRow): void {
      this.share.refused()
      if (this.share.value < 0.5 && Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now()
        deps.log.warn(
          { numberId: number.id, throughputMps: number.throughputMps, providerMps: Math.round(number.throughputMps * this.share.value) },
          "dispatcher: the provider refuses this number's sends (130429) well below its throughput_mps; sending slower. Lower throughput_mps to the number's messaging tier, or stop other senders on it",
        )
      }
    }

    /** Waits, in claim order, until one more call fits the provider's one-second meter, and makes it count. */
    private meterTurn(): Promise<void> {
      this.metering++
      const turn = this.meterQueue.then(async () => {
        for (;;) {
          // The limit is read at every check: when throughput_mps changes (the claims already pace at
          // the new rate), sends waiting behind the old limit must not keep its pace.
          const mps = this.number?.throughputMps ?? 1
          // A new throughput_mps is a new starting point: what was learnt about the old one goes.
          if (mps !== this.shareFor) {
            this.shareFor = mps
            this.share.value = 1
          }
          this.meter.limit = Math.max(1, Math.floor(mps * o.meterFactor * this.share.value))
          const wait = this.meter.delayAt(performance.now())
          if (wait <= 0) break
          await sleep(Math.min(wait, 100))
        }
        this.meter.begin()
        this.metering--
      })
      this.meterQueue = turn
      return turn
    }

    /**
     * Group commit: one flush at a time, and each takes every outcome that arrived while the previous
     * one ran. Batches grow with the database's latency instead of queueing up behind it.
     */
    private scheduleFlush(): void {
      if (this.flushRunning || this.flushTimer) return
      this.flushTimer = setTimeout(() => void this.flush(), o.flushMs)
    }

    flush(): Promise<void> {
      if (this.flushTimer) clearTimeout(this.flushTimer)
      this.flushTimer = null
      if (this.flushRunning) return this.flushing
      this.flushRunning = true
      this.flushing = (async () => {
        while (this.outcomes.length > 0) {
          const batch = this.outcomes
          this.outcomes = []
          await this.record(batch)
        }
        this.flushRunning = false
      })()
      return this.flushing
    }

    private async record(batch: SendOutcome[]): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          await recordOutcomes(deps, this.numberId, batch)
          break
        } catch (err) {
          // The provider took these messages; losing the record would resend them after the lease.
          deps.log.error({ err, numberId: this.numberId, attempt }, 'dispatcher: could not record outcomes; retrying')
          if (attempt >= 20) break
          await sleep(Math.min(5_000, 100 * 2 ** attempt))
        }
      }
      inFlight -= batch.length
      capacity.wake()
      // The next messages of those conversations are heads now.
      this.waker.wake()
    }

    async stop(): Promise<void> {
      this.waker.wake()
      const unsent = [...this.scheduled.keys()]
      for (const t of this.scheduled.values()) clearTimeout(t)
      this.scheduled.clear()
      inFlight -= unsent.length
      await deps.store.outbox.release(unsent, o.owner).catch((err: unknown) => deps.log.warn({ err }, 'dispatcher: release failed; leases will expire'))
      await this.done
      while (this.running > 0) await sleep(10)
      await this.flush()
      await this.flushing
    }
  }

  function lane(numberId: string): NumberLane {
    let l = lanes.get(numberId)
    if (!l) {
      l = new NumberLane(numberId)
      lanes.set(numberId, l)
    }
    return l
  }

  async function poll(): Promise<void> {
    try {
      for (const id of await deps.store.outbox.numbersWithWork()) lane(id).waker.wake()
    } catch (err) {
      if (!stopping) deps.log.warn({ err }, 'dispatcher: poll failed')
    }
    if (!stopping) {
      pollTimer = setTimeout(() => void poll(), o.pollMs)
      pollTimer.unref()
    }
  }

  return {
    name: 'outbox-dispatcher',
    counters,
    wake(numberId) {
      if (numberId) lane(numberId).waker.wake()
      else for (const l of lanes.values()) l.waker.wake()
    },
    async start() {
      stopping = false
      // PGlite: the data folder has one owner process at a time, so leases from before a crash are
      // dead and their rows go now. (On a Postgres server other processes may be alive: wait for the lease.)
      if (deps.store.database.kind === 'pglite' && options.releaseStaleLeasesAtStart !== false) {
        const n = await deps.store.outbox.releaseAllLeases()
        if (n > 0) deps.log.warn({ rows: n }, 'dispatcher: released leases of a previous process; those messages may be sent twice')
      }
      unlisten = await deps.store.database.listen(OUTBOX_CHANNEL, (payload) => {
        if (!stopping && payload) lane(payload).waker.wake()
      })
      await poll()
    },
    async stop() {
      stopping = true
      if (pollTimer) clearTimeout(pollTimer)
      capacity.wake()
      await unlisten?.().catch(() => {})
      await Promise.all([...lanes.values()].map((l) => l.stop()))
      lanes.clear()
    },
  }
}
