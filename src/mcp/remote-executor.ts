import type { ToolInfo } from './registry.js'
import type { ToolExecutor } from './server.js'

/** Runs tools on a Switchboard server through its REST tool endpoints (for `switchboard mcp` with a URL). */
export function remoteExecutor(baseUrl: string, apiKey: string): ToolExecutor {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }
  const url = baseUrl.replace(/\/$/, '')
  return {
    async list() {
      const res = await fetch(`${url}/v1/tools`, { headers })
      const body = (await res.json()) as { data?: Array<ToolInfo & { input_schema?: Record<string, unknown> }>; message?: string }
      if (!res.ok) throw new Error(body.message ?? `Switchboard answered ${res.status}`)
      return (body.data ?? []).map((t) => ({ ...t, inputSchema: t.input_schema ?? t.inputSchema }))
    },
    async call(name, args) {
      let res: Response
      try {
        res = await fetch(`${url}/v1/tools/${encodeURIComponent(name)}`, { method: 'POST', headers, body: JSON.stringify(args ?? {}) })
      } catch {
        return { ok: false, error: { code: 'unavailable', message: `Switchboard at ${url} did not answer; check SWITCHBOARD_URL and that the server runs.`, details: {} } }
      }
      const body = (await res.json().catch(() => ({}))) as { data?: Record<string, unknown>; message?: string; error?: { code: string; details?: Record<string, unknown> } }
      if (res.ok) return { ok: true, result: body.data ?? {} }
      return { ok: false, error: { code: body.error?.code ?? 'error', message: body.message ?? `HTTP ${res.status}`, details: body.error?.details ?? {} } }
    },
  }
}
