import type { ServerResponse } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { subscribeLive, stopLive, type LiveEvent } from '../../services/live.js'
import { principalOf } from '../plugins/auth.js'

// GET /v1/live: server-sent events for the inbox. Each event is `event: <kind>` with the JSON
// { business_id, conversation_id, kind }; the page refetches what changed. Only the caller's business's
// events are forwarded. A comment line every 20 s keeps proxies from closing an idle stream.

const HEARTBEAT_MS = 20_000

export const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const open = new Set<ServerResponse>()

  // Streams never end on their own; close them before the server waits for connections to drain.
  app.addHook('preClose', async () => {
    for (const res of open) res.end()
    open.clear()
  })
  app.addHook('onClose', async () => {
    await stopLive(app.deps)
  })

  app.get(
    '/v1/live',
    {
      config: { scope: 'messaging:conversations:read', rateLimit: false },
      schema: {
        tags: ['messaging'],
        summary: 'Live inbox events (server-sent events)',
        description:
          'A text/event-stream of changes in your business: `message.received`, `message.status`, `message.created`, ' +
          '`conversation.updated`, … Each event carries `{ "business_id", "conversation_id", "kind" }`; fetch the ' +
          'conversation to see what changed. The stream starts with a `ready` event. Works across server processes ' +
          '(fed by Postgres LISTEN/NOTIFY).',
        response: {
          200: {
            description: 'An endless event stream.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const res = reply.raw
      const write = (s: string) => {
        if (!res.writableEnded) res.write(s)
      }
      const send = (e: LiveEvent) => write(`event: ${e.kind.replace(/[^\w.:-]/g, '')}\ndata: ${JSON.stringify(e)}\n\n`)

      const unsubscribe = await subscribeLive(app.deps, p.businessId, send)
      reply.hijack()
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      open.add(res)
      // `retry` tells EventSource how soon to reconnect after a dropped connection.
      write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ business_id: p.businessId, kind: 'ready' })}\n\n`)
      const beat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS)
      const done = () => {
        clearInterval(beat)
        unsubscribe()
        open.delete(res)
      }
      req.raw.on('close', done)
      res.on('close', done)
    },
  )
}
