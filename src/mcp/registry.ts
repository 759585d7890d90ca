import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js'
import type { Principal } from '../domain/principal.js'
import { hasScope } from '../domain/scopes.js'
import type { Deps } from '../services/deps.js'
import { issuesToProblems, type AjvIssue } from '../shared/schema-issues.js'
import type { Tool } from './tool.js'
import { conversationTools } from './tools/conversations.js'
import { messagingTools } from './tools/messaging.js'
import { contactTools } from './tools/contacts.js'
import { whatsappTemplatesTool } from './tools/whatsapp-templates.js'

// The one registry of agent tools. MCP (HTTP and stdio) and REST (/v1/tools) list and run tools here,
// so scopes, validation and results are the same everywhere.

export const TOOLS: Tool[] = [...conversationTools, ...messagingTools, whatsappTemplatesTool, ...contactTools] as Tool[]

const byName = new Map(TOOLS.map((t) => [t.name, t]))
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false })
addFormats.default(ajv)
const validators = new Map<string, ValidateFunction>()

/** A tool's input schema as plain JSON Schema (TypeBox adds symbol keys that do not serialise). */
export function jsonSchemaOf(tool: Tool): Record<string, unknown> {
  return JSON.parse(JSON.stringify(tool.input)) as Record<string, unknown>
}

export interface ToolInfo {
  name: string
  title: string
  description: string
  scope: string
  inputSchema: Record<string, unknown>
  annotations: Tool['annotations']
}

/** The tools this principal may call; others are not shown. */
export function visibleTools(principal: Principal): ToolInfo[] {
  return TOOLS.filter((t) => hasScope(principal.scopes, t.scope)).map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    scope: t.scope,
    inputSchema: jsonSchemaOf(t),
    annotations: t.annotations ?? {},
  }))
}

/** Validates and runs a tool. Throws AppError (unknown tool, missing scope, bad input, or the service's own). */
export async function runTool(deps: Deps, principal: Principal, name: string, args: unknown): Promise<Record<string, unknown>> {
  const tool = byName.get(name)
  if (!tool) {
    throw new NotFoundError('unknown_tool', `There is no tool named "${name}"; list the tools to see what is available.`, { tool: name })
  }
  if (!hasScope(principal.scopes, tool.scope)) {
    throw new ForbiddenError('forbidden', `This key lacks the scope "${tool.scope}" that ${name} needs.`, { required_scope: tool.scope, tool: name })
  }
  let validate = validators.get(name)
  if (!validate) {
    validate = ajv.compile(jsonSchemaOf(tool))
    validators.set(name, validate)
  }
  const input = structuredClone(args ?? {})
  if (!validate(input)) {
    const fields = issuesToProblems((validate.errors ?? []) as AjvIssue[], 'input')
    throw ValidationError.fields(`The arguments for ${name} are invalid: ${fields.map((f) => `${f.field} ${f.problem}`).join('; ')}.`, fields)
  }
  return tool.run({ deps, principal }, input as never)
}

/** An error as a tool result an agent can act on: the same code and details as over HTTP. */
export function toolErrorPayload(err: unknown): { error: { code: string; message: string; details: Record<string, unknown> } } {
  if (err instanceof AppError) return { error: { code: err.code, message: err.message, details: err.details } }
  return { error: { code: 'internal_error', message: 'Something went wrong on our side; try again later.', details: {} } }
}
