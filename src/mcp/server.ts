import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ToolInfo } from './registry.js'

// The MCP protocol side: tools/list and tools/call over whatever runs the tools — this process's
// services (HTTP /mcp, stdio beside the data) or a Switchboard server's REST API (stdio with a URL).

export type ToolOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } }

export interface ToolExecutor {
  list(): Promise<ToolInfo[]>
  call(name: string, args: unknown): Promise<ToolOutcome>
}

export const SERVER_INFO = { name: 'switchboard', version: '1.0.0' }

const INSTRUCTIONS =
  'Switchboard operates a WhatsApp Business inbox. Triage with list_conversations, read with get_conversation, reply with send_message ' +
  'inside the 24-hour window; outside it use whatsapp_templates (create_template, then send_template). Tool errors carry a code and a sentence saying what to do.'

export function createMcpServer(executor: ToolExecutor): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS })
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: (await executor.list()).map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object'; properties?: Record<string, object> },
      annotations: { title: t.title, ...t.annotations },
    })),
  }))
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    const outcome = await executor.call(req.params.name, req.params.arguments ?? {})
    if (outcome.ok) {
      return { content: [{ type: 'text', text: JSON.stringify(outcome.result) }], structuredContent: outcome.result }
    }
    // Failures an agent can act on are tool results (isError), not protocol errors.
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: outcome.error }) }] }
  })
  return server
}
