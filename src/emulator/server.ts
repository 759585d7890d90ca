import Fastify from 'fastify'
import { EmulatorClock } from './clock.js'
import { DEFAULT_CONFIG, mergeConfig } from './config.js'
import { controlRoutes } from './control-routes.js'
import { TimerSet, type Ctx } from './context.js'
import { playCustomerMessage, type InboundResult } from './customer.js'
import { PairLimiter, ThroughputLimiter } from './limits.js'
import { pageHtml } from './page.js'
import { EmulatorState } from './state.js'
import { Stats } from './stats.js'
import { scheduleReview } from './templates.js'
import type { EmulatorConfig, OutboxEntry } from './types.js'
import { WebhookSender } from './webhook-sender.js'
import { graphRoutes } from './graph-routes.js'
import { unknownPath } from './graph-error.js'

export type { EmulatorConfig, OutboxEntry } from './types.js'
export { DEFAULT_CONFIG } from './config.js'
export { hubSignature } from './signing.js'

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number
  host?: string
  /** When set, numbers, templates, media, last-inbound times, clock offset and config survive restarts. */
  stateFile?: string
  /** Overrides of the defaults (a stored config in `stateFile` wins over these). */
  config?: Partial<EmulatorConfig>
  /** Debounce of state-file writes, in ms. */
  saveDebounceMs?: number
  /** Fastify request logging; off by default since tests and benchmarks are noisy enough. */
  logger?: boolean
}

export interface RunningEmulator {
  url: string
  port: number
  close(): Promise<void>
  /** Writes the state file now (it is otherwise written shortly after each change). */
  saveState(): Promise<void>
  /** Same as POST /_emulator/customers/:phone/messages, without HTTP. */
  customerSends(phone: string, body: Record<string, unknown>): Promise<InboundResult>
  outbox(): OutboxEntry[]
  config(): EmulatorConfig
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const base = mergeConfig(DEFAULT_CONFIG, opts.config ?? {})
  const state = new EmulatorState(base, opts.stateFile, opts.saveDebounceMs ?? 200)
  state.load()
  const stats = new Stats()
  const ctx: Ctx = {
    state,
    clock: new EmulatorClock(() => state.clockOffsetSeconds),
    stats,
    webhooks: new WebhookSender(state, stats),
    throughput: new ThroughputLimiter(),
    pairs: new PairLimiter(),
    timers: new TimerSet(),
  }
  // Reviews interrupted by a restart resume, so a template never stays PENDING forever.
  for (const t of state.templates.values()) if (t.status === 'PENDING') scheduleReview(ctx, t)

  const reset = (keepNumbers: boolean): void => {
    ctx.timers.clear()
    ctx.webhooks.clear()
    ctx.throughput.reset()
    ctx.pairs.reset()
    ctx.stats.reset()
    state.reset(keepNumbers)
  }

  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 5 * 1024 * 1024, forceCloseConnections: true })
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(pageHtml))
  await app.register(controlRoutes, { ctx, hooks: { reset } })
  await app.register(graphRoutes, { ctx })
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/_emulator')) {
      return reply.code(404).send({ message: `No control route ${req.method} ${req.url.split('?')[0]}.`, error: { code: 'not_found', details: {} } })
    }
    // Graph answers paths it does not know with a 400 "Unknown path components", not a 404.
    return reply.code(400).send(unknownPath(req.url.split('?')[0]).toBody())
  })

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port ?? 0
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1'
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closed = false
  return {
    url,
    port,
    async close() {
      if (closed) return
      closed = true
      ctx.timers.clear()
      ctx.webhooks.close()
      await app.close()
      await state.flush()
    },
    saveState: () => state.flush(),
    customerSends: (phone, body) => playCustomerMessage(ctx, phone, body),
    outbox: () => state.outbox,
    config: () => state.config,
  }
}
