import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { runTool, visibleTools } from '../../mcp/registry.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, ListEnvelope } from '../schemas.js'

const ToolView = Type.Object(
  {
    name: Type.String(),
    title: Type.String(),
    description: Type.String(),
    scope: Type.String({ description: 'The scope a key needs to call it.' }),
    input_schema: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Tool' },
)

const Result = Envelope(Type.Record(Type.String(), Type.Unknown()))

export const toolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/tools',
    {
      config: { auth: true },
      schema: {
        tags: ['agent tools'],
        summary: 'List the agent tools this key may call',
        description: 'The same tools as the MCP server at /mcp, with their JSON input schemas. Tools outside the key’s scopes are not listed.',
        response: { 200: ListEnvelope(ToolView) },
      },
    },
    async (req) => ({
      message: 'Tools retrieved',
      data: visibleTools(principalOf(req)).map((t) => ({ name: t.name, title: t.title, description: t.description, scope: t.scope, input_schema: t.inputSchema })),
    }),
  )

  app.post(
    '/v1/tools/:name',
    {
      config: { auth: true },
      schema: {
        tags: ['agent tools'],
        summary: 'Run an agent tool',
        description: 'The body is the tool’s input (see GET /v1/tools); the answer is the tool’s compact JSON result. Errors use the usual envelope and status codes.',
        params: Type.Object({ name: Type.String({ pattern: '^[a-z_]{1,64}$' }) }),
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: Result },
      },
    },
    async (req) => ({ message: 'Tool ran', data: await runTool(app.deps, principalOf(req), req.params.name, req.body ?? {}) }),
  )

  app.post(
    '/api/agents/tools/whatsapp-templates',
    {
      config: { auth: true },
      schema: {
        tags: ['agent tools'],
        summary: 'whatsapp_templates (compatibility alias)',
        description: 'The whatsapp_templates tool for clients written against this path; a `site_id` field is accepted and ignored.',
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: Result },
      },
    },
    async (req) => {
      const { site_id: _ignored, ...input } = (req.body ?? {}) as Record<string, unknown>
      return { message: 'Tool ran', data: await runTool(app.deps, principalOf(req), 'whatsapp_templates', input) }
    },
  )
}
