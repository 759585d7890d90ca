import { createServer } from 'node:http'
import { loadConfig } from '../src/config.js'
import { startWebhookDeliverer } from '../src/jobs/webhook-deliverer.js'
import { openRuntime } from '../src/runtime.js'
import { createApiKey } from '../src/services/api-keys.js'
import { createBusiness } from '../src/services/businesses.js'
import { emitEvent } from '../src/services/events.js'
import { createEndpoint } from '../src/services/webhooks.js'
import { benchDatabase, kinds } from './lib.js'

// Events delivered per second to a local receiver: events are committed first (as the services do),
// then the deliverer signs and POSTs them; we time until the receiver has every one.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000)

const results: Record<string, unknown> = {}
for (const kind of kinds()) {
  const db = await benchDatabase(kind)
  let received = 0
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received++
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const port = (receiver.address() as { port: number }).port
  const config = loadConfig({ ...process.env, ...db.env, LOG_LEVEL: 'warn', SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS: '1' })
  const rt = await openRuntime(config)
  try {
    const business = await createBusiness(rt.deps, { name: 'Bench' })
    await createApiKey(rt.deps, { businessId: business.id, name: 'bench', scopes: ['admin'] })
    await createEndpoint(rt.deps, business.id, { url: `http://127.0.0.1:${port}/hook`, events: ['*'] })
    for (let i = 0; i < EVENTS; i += 500) {
      await rt.deps.store.tx(async (s) => {
        for (let j = i; j < Math.min(EVENTS, i + 500); j++) {
          await emitEvent(s, { businessId: business.id, type: 'message.status', data: { n: j, status: 'delivered' }, at: new Date() })
        }
      })
    }
    const started = performance.now()
    const deliverer = await startWebhookDeliverer(rt.deps)
    while (received < EVENTS) await new Promise((r) => setTimeout(r, 20))
    const seconds = (performance.now() - started) / 1000
    await deliverer.stop()
    const pending = await rt.deps.store.webhooks.pendingCount()
    const perSecond = Math.round(EVENTS / seconds)
    results[kind] = { events: EVENTS, seconds: Number(seconds.toFixed(2)), delivered_per_s: perSecond, pending_after: pending }
    console.log(`bench:webhooks ${kind.padEnd(8)} ${EVENTS} events delivered in ${seconds.toFixed(2)} s: ${perSecond} events/s (pending after: ${pending})`)
  } finally {
    await rt.close()
    receiver.close()
    await db.drop()
  }
}
console.log(JSON.stringify({ bench: 'webhooks', results }))
