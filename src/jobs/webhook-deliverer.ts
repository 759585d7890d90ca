import { lookup } from 'node:dns/promises'
import { backoffMs } from '../domain/backoff.js'
import { newId } from '../domain/ids.js'
import { isLocalHostname, isPrivateAddress } from '../domain/network.js'
import { signatureHeader } from '../domain/webhook-signature.js'
import type { Deps } from '../services/deps.js'
import { WEBHOOK_CHANNEL } from '../services/events.js'
import type { ClaimedDelivery } from '../store/webhooks.js'
import type { Job } from './runner.js'

// Delivers outbound webhooks: claims due rows (FOR UPDATE SKIP LOCKED, so several processes share the
// work), POSTs them signed, records each attempt, and retries with backoff until the endpoint has
// failed for `webhookGiveUpMs`, when it is disabled and says why. Rows survive restarts.

const BATCH = 200
const CONCURRENCY = 64
const CLAIM_MS = 60_000
const IDLE_POLL_MS = 1_000
const MAX_BACKOFF_MS = 60 * 60 * 1000

export interface Deliverer {
  stop(): Promise<void>
  /** Runs one claim-and-deliver round now (tests, benchmarks). Returns how many were attempted. */
  tick(): Promise<number>
}

async function addressAllowed(deps: Deps, url: URL): Promise<boolean> {
  if (deps.config.allowPrivateWebhooks) return true
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isLocalHostname(host)) return false
  const addresses = /^[\d.]+$/.test(host) || host.includes(':') ? [host] : (await lookup(host, { all: true })).map((a) => a.address)
  return !addresses.some(isPrivateAddress)
}

type Success = { attemptId: string; deliveryId: string; at: Date; statusCode: number; latencyMs: number }

/** Delivers one; a success is returned for batch bookkeeping, a failure is recorded at once. */
async function deliverOne(deps: Deps, d: ClaimedDelivery): Promise<Success | null> {
  const now = deps.clock()
  const body = JSON.stringify({
    id: d.eventId,
    type: d.eventType,
    created_at: d.eventCreatedAt.toISOString(),
    business_id: d.businessId,
    data: d.eventData,
  })
  const secrets = [deps.secrets.open(d.secretEnc)]
  if (d.previousSecretEnc && d.previousSecretExpiresAt && d.previousSecretExpiresAt > now) secrets.push(deps.secrets.open(d.previousSecretEnc))
  const started = Date.now()
  let statusCode: number | null = null
  let error: string | null = null
  try {
    const url = new URL(d.url)
    if (!(await addressAllowed(deps, url))) throw new Error('the URL resolves to a private or loopback address')
    const res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.config.webhookTimeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'switchboard-event-id': d.eventId,
        'switchboard-event-type': d.eventType,
        'switchboard-signature': signatureHeader(secrets, Math.floor(now.getTime() / 1000), body),
      },
    })
    statusCode = res.status
    await res.body?.cancel().catch(() => {})
    if (res.status < 200 || res.status >= 300) error = res.status >= 300 && res.status < 400 ? `redirect (${res.status}) not followed` : `HTTP ${res.status}`
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    error = e.name === 'TimeoutError' ? `no answer within ${deps.config.webhookTimeoutMs} ms` : (e.cause?.code ?? e.message)
  }
  const latencyMs = Date.now() - started
  const at = deps.clock()
  if (!error) return { attemptId: newId(), deliveryId: d.id, at, statusCode: statusCode as number, latencyMs }
  const givingUp = at.getTime() - d.createdAt.getTime() >= deps.config.webhookGiveUpMs
  const next = givingUp ? null : new Date(at.getTime() + backoffMs(d.attempts + 1, deps.config.webhookRetryBaseMs, MAX_BACKOFF_MS))
  await deps.store.tx(async (s) => {
    await s.webhooks.recordAttempt({ id: newId(), deliveryId: d.id, at, statusCode, error, latencyMs, outcome: givingUp ? 'failed' : 'retry', nextAttemptAt: next })
    if (givingUp) {
      const hours = Math.round(deps.config.webhookGiveUpMs / 3_600_000)
      await s.webhooks.disableEndpoint(d.endpointId, `Deliveries kept failing for ${hours >= 1 ? `${hours} hours` : 'the retry period'} (last: ${error}); fix the receiver and enable the endpoint again.`, at)
    }
  })
  return null
}

export async function startWebhookDeliverer(deps: Deps): Promise<Deliverer> {
  let stopped = false
  let wake: (() => void) | null = null
  const inFlight = new Set<Promise<void>>()

  async function tick(): Promise<number> {
    const now = deps.clock()
    const claimed = await deps.store.webhooks.claimDue(now, new Date(now.getTime() + CLAIM_MS), BATCH)
    const successes: Success[] = []
    for (const d of claimed) {
      while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight)
      const p: Promise<void> = deliverOne(deps, d)
        .then((ok) => {
          if (ok) successes.push(ok)
        })
        .catch((err) => deps.log.error({ err, delivery_id: d.id }, 'webhook delivery bookkeeping failed'))
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await Promise.allSettled([...inFlight])
    // If this write fails the claims expire and the deliveries go again: at-least-once, as documented.
    await deps.store.webhooks.recordSuccesses(successes)
    return claimed.length
  }

  const unlisten = await deps.store.database.listen(WEBHOOK_CHANNEL, () => wake?.())
  const loop = (async () => {
    while (!stopped) {
      let n = 0
      try {
        n = await tick()
      } catch (err) {
        deps.log.error({ err }, 'webhook deliverer round failed')
      }
      if (n < BATCH && !stopped) {
        await new Promise<void>((r) => {
          const timer = setTimeout(r, IDLE_POLL_MS)
          wake = () => {
            clearTimeout(timer)
            r()
          }
        })
        wake = null
      }
    }
  })()

  return {
    tick,
    async stop() {
      stopped = true
      wake?.()
      await loop
      await Promise.allSettled(inFlight)
      await unlisten()
    },
  }
}

/** The deliverer as one of the process's jobs (src/jobs/index.ts). */
export function webhookDelivererJob(deps: Deps): Job {
  let running: Deliverer | null = null
  return {
    name: 'webhook-deliveries',
    async start() {
      running ??= await startWebhookDeliverer(deps)
    },
    async stop() {
      await running?.stop()
      running = null
    },
  }
}
