import { hubSignature } from './signing.js'
import type { EmulatorState } from './state.js'
import type { Stats } from './stats.js'

export type WebhookEvent =
  | { kind: 'status'; status: Record<string, unknown> }
  | { kind: 'message'; contact: { profile: { name: string }; wa_id: string }; message: Record<string, unknown> }

interface Bucket {
  events: WebhookEvent[]
  waiters: Array<() => void>
  timer: NodeJS.Timeout | null
}

/**
 * Posts webhooks the way Meta does: signed over the exact bytes sent, retried with doubling delays when
 * the receiver does not answer 2xx (so a slow or failing receiver really sees duplicates), and, when
 * `webhook_batch_ms` is set, several events for one number gathered into one POST.
 */
export class WebhookSender {
  private buckets = new Map<string, Bucket>()
  private retryTimers = new Set<NodeJS.Timeout>()
  private abort = new AbortController()
  private closed = false
  private inFlight = 0

  constructor(private readonly state: EmulatorState, private readonly stats: Stats) {}

  /** Resolves once the POST carrying this event has had its first attempt, whatever its outcome. */
  emit(phoneNumberId: string, event: WebhookEvent): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.stats.webhooks.events++
    const batchMs = this.state.config.webhook_batch_ms
    if (batchMs <= 0) return this.flushEvents(phoneNumberId, [event])
    // Statuses and messages travel in separate POSTs, as one `value` holds one or the other.
    const key = `${phoneNumberId}\u0000${event.kind}`
    let bucket = this.buckets.get(key)
    if (!bucket) {
      bucket = { events: [], waiters: [], timer: null }
      this.buckets.set(key, bucket)
    }
    bucket.events.push(event)
    const done = new Promise<void>((resolve) => bucket.waiters.push(resolve))
    if (bucket.events.length >= this.state.config.webhook_batch_max) this.flushBucket(key)
    else if (!bucket.timer) bucket.timer = setTimeout(() => this.flushBucket(key), batchMs)
    return done
  }

  private flushBucket(key: string): void {
    const bucket = this.buckets.get(key)
    if (!bucket) return
    this.buckets.delete(key)
    if (bucket.timer) clearTimeout(bucket.timer)
    const [phoneNumberId] = key.split('\u0000')
    void this.flushEvents(phoneNumberId, bucket.events).then(() => { for (const w of bucket.waiters) w() })
  }

  private async flushEvents(phoneNumberId: string, events: WebhookEvent[]): Promise<void> {
    const number = this.state.numbers.get(phoneNumberId)
    if (!number || !number.webhook_url || events.length === 0) return
    const value: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: number.display_phone_number.replace(/\D/g, ''), phone_number_id: number.phone_number_id },
    }
    if (events[0].kind === 'status') {
      value.statuses = events.map((e) => (e.kind === 'status' ? e.status : null)).filter(Boolean)
    } else {
      const contacts = new Map<string, unknown>()
      const messages: unknown[] = []
      for (const e of events) {
        if (e.kind !== 'message') continue
        contacts.set(e.contact.wa_id, e.contact)
        messages.push(e.message)
      }
      value.contacts = [...contacts.values()]
      value.messages = messages
    }
    const payload = { object: 'whatsapp_business_account', entry: [{ id: number.waba_id, changes: [{ value, field: 'messages' }] }] }
    await this.post(number.webhook_url, number.app_secret, JSON.stringify(payload))
  }

  /** Posts an already-built payload (template status updates, which go per WABA). */
  async postPayload(url: string, appSecret: string, payload: unknown): Promise<void> {
    if (this.closed) return
    this.stats.webhooks.events++
    await this.post(url, appSecret, JSON.stringify(payload))
  }

  /** The body string is fixed at the first attempt so every retry carries the very same bytes. */
  private async post(url: string, appSecret: string, body: string, attempt = 1): Promise<void> {
    if (this.closed) return
    this.stats.webhooks.posted++
    this.inFlight++
    let ok = false
    try {
      const timeout = AbortSignal.timeout(this.state.config.webhook_timeout_ms)
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': hubSignature(body, appSecret),
          'user-agent': 'facebookexternalua',
        },
        body,
        signal: AbortSignal.any([timeout, this.abort.signal]),
      })
      ok = res.status >= 200 && res.status < 300
      await res.arrayBuffer().catch(() => undefined)
    } catch {
      ok = false
    } finally {
      this.inFlight--
    }
    if (ok) { this.stats.webhooks.delivered++; return }
    if (this.closed) return
    if (attempt >= this.state.config.webhook_max_attempts) { this.stats.webhooks.gave_up++; return }
    const delay = this.state.config.webhook_retry_base_ms * 2 ** (attempt - 1)
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer)
      this.stats.webhooks.retried++
      void this.post(url, appSecret, body, attempt + 1)
    }, delay)
    this.retryTimers.add(timer)
  }

  pending(): { in_flight: number; retries_scheduled: number; batched: number } {
    let batched = 0
    for (const b of this.buckets.values()) batched += b.events.length
    return { in_flight: this.inFlight, retries_scheduled: this.retryTimers.size, batched }
  }

  /** Drops queued batches and scheduled retries (reset), without closing the sender. */
  clear(): void {
    for (const b of this.buckets.values()) { if (b.timer) clearTimeout(b.timer); for (const w of b.waiters) w() }
    this.buckets.clear()
    for (const t of this.retryTimers) clearTimeout(t)
    this.retryTimers.clear()
  }

  close(): void {
    this.closed = true
    this.clear()
    this.abort.abort()
  }
}
