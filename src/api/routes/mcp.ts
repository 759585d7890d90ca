import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { localExecutor } from '../../mcp/local-executor.js'
import { createMcpServer } from '../../mcp/server.js'
import { principalOf } from '../plugins/auth.js'

/**
 * MCP over Streamable HTTP at /mcp, stateless: each request gets its own server bound to the caller's
 * key, so tools outside the key's scopes are neither listed nor callable, and any process can answer.
 */
export const mcpRoutes: FastifyPluginAsync = async (app) => {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const server = createMcpServer(localExecutor(app.deps, principalOf(req)))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    reply.hijack()
    reply.raw.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req.raw, reply.raw, req.body)
  }
  const opts = { config: { auth: true }, schema: { hide: true } } as const
  app.post('/mcp', opts, handler)
  app.get('/mcp', opts, handler)
  app.delete('/mcp', opts, handler)
}
