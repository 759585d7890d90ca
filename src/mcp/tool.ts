import type { Static, TSchema } from 'typebox'
import type { Principal } from '../domain/principal.js'
import type { Scope } from '../domain/scopes.js'
import type { Deps } from '../services/deps.js'

// One agent tool: what a language model reads (name, description, input schema), the scope it needs,
// and a handler that calls services. The same definition serves MCP (HTTP and stdio) and REST.

export interface ToolContext {
  deps: Deps
  principal: Principal
}

export interface ToolAnnotations {
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

export interface Tool<S extends TSchema = TSchema> {
  name: string
  title: string
  /** Written for a model: what it does, when to use it, what it returns, what to do on common errors. */
  description: string
  scope: Scope
  input: S
  annotations?: ToolAnnotations
  run(ctx: ToolContext, input: Static<S>): Promise<Record<string, unknown>>
}

export function defineTool<S extends TSchema>(tool: Tool<S>): Tool<S> {
  return tool
}
