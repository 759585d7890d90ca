import type { Principal } from '../domain/principal.js'
import type { Deps } from '../services/deps.js'
import { runTool, toolErrorPayload, visibleTools } from './registry.js'
import type { ToolExecutor } from './server.js'

/** Runs tools in this process, as `principal`. */
export function localExecutor(deps: Deps, principal: Principal): ToolExecutor {
  return {
    list: async () => visibleTools(principal),
    async call(name, args) {
      try {
        return { ok: true, result: await runTool(deps, principal, name, args) }
      } catch (err) {
        if (!(err instanceof Error) || !('category' in err)) deps.log.error({ err, tool: name }, 'tool failed')
        return { ok: false, ...toolErrorPayload(err) }
      }
    },
  }
}
