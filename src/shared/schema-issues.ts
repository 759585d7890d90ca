// JSON-schema (Ajv) issues as the field problems users see: `details.brand.emails[1].address must be …`.
// Shared by the HTTP layer and the agent tools, which validate the same TypeBox schemas.
import type { FieldProblem } from '../domain/errors.js'

export interface AjvIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/** `/details/brand/emails/1/address` → `details.brand.emails[1].address` */
export function fieldPath(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (extra !== undefined) parts.push(extra)
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '')
}

export function describeIssue(issue: AjvIssue): FieldProblem {
  const params = issue.params ?? {}
  const path = issue.instancePath ?? ''
  switch (issue.keyword) {
    case 'required':
      return { field: fieldPath(path, String(params.missingProperty)), problem: 'is required' }
    case 'additionalProperties':
      return { field: fieldPath(path, String(params.additionalProperty)), problem: 'is not a known field' }
    case 'enum':
      return {
        field: fieldPath(path),
        problem: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      }
    case 'const':
      return { field: fieldPath(path), problem: `must be ${JSON.stringify(params.allowedValue)}` }
    case 'format':
      return { field: fieldPath(path), problem: `must be a valid ${String(params.format)}` }
    case 'type':
      return { field: fieldPath(path), problem: `must be ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)}` }
    default:
      return { field: fieldPath(path), problem: issue.message ?? 'is invalid' }
  }
}


/** Every problem once, in a stable order; anyOf/oneOf summaries dropped since their branches say more. */
export function issuesToProblems(issues: AjvIssue[], root = 'body'): FieldProblem[] {
  const seen = new Set<string>()
  return issues
    .filter((i) => i.keyword !== 'anyOf' && i.keyword !== 'oneOf' && i.keyword !== 'if')
    .map(describeIssue)
    .map((f) => ({ ...f, field: f.field || root }))
    .filter((f) => {
      const k = `${f.field}|${f.problem}`
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
}
