import { ConflictError, NotFoundError, RuleRefusedError, ValidationError, type FieldProblem } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import { decodePageToken, encodePageToken, isTimeCursor, type TimeCursor } from '../domain/page-token.js'
import {
  checkSendVariables, checkTemplateDraft, parameterFormatOf, parseVariables, renderPreview,
  type TemplateButton, type TemplateDraft, type TemplateHeader,
} from '../domain/templates.js'
import type {
  ProviderTemplate, TemplateComponent, TemplateDefinition, TemplateDefinitionButton, TemplateDefinitionComponent, TemplateExamples,
} from '../providers/index.js'
import type { TemplateFilter, TemplateRow } from '../store/templates.js'
import type { Deps } from './deps.js'
import { groupLookup, perStore } from './group-commit.js'
import { credentialsFor, getNumber, resolveSendingNumber } from './numbers.js'

// Templates: create (submitted to the number's provider for review), list, get, delete, sync from the
// provider; and, for sends, finding an approved template and filling its variables.

export type { TemplateRow } from '../store/templates.js'

export interface TemplateInput extends TemplateDraft {
  /** The number whose WhatsApp Business Account gets the template; the default number otherwise. */
  numberId?: string
}

function invalid(problems: FieldProblem[], what = 'template'): ValidationError {
  return ValidationError.fields(
    `The ${what} is not valid for WhatsApp: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}. Fix them and try again.`,
    problems,
  )
}

function headerOf(row: Pick<TemplateRow, 'header'>): TemplateHeader | null {
  const h = row.header
  if (!h || typeof h.format !== 'string') return null
  if (h.format === 'text') return { format: 'text', text: typeof h.text === 'string' ? h.text : '' }
  if (h.format === 'image' || h.format === 'video' || h.format === 'document') return { format: h.format }
  return null
}

function examplesFor(vars: string[], examples: Record<string, string>): TemplateExamples | undefined {
  if (vars.length === 0) return undefined
  return parameterFormatOf(vars) === 'positional'
    ? { positional: vars.map((v) => examples[v] ?? '') }
    : { named: vars.map((v) => ({ name: v, example: examples[v] ?? '' })) }
}

function definitionOf(d: TemplateDraft): TemplateDefinition {
  const examples = d.examples ?? {}
  const components: TemplateDefinitionComponent[] = []
  if (d.header?.format === 'text') components.push({ type: 'header', format: 'text', text: d.header.text, examples: examplesFor(parseVariables(d.header.text), examples) })
  else if (d.header) components.push({ type: 'header', format: d.header.format, exampleHandle: d.header.exampleHandle ?? '' })
  components.push({ type: 'body', text: d.body, examples: examplesFor(parseVariables(d.body), examples) })
  if (d.footer) components.push({ type: 'footer', text: d.footer })
  if (d.buttons?.length) components.push({ type: 'buttons', buttons: d.buttons.map(buttonDef) })
  const all = [...parseVariables(d.header?.format === 'text' ? d.header.text : ''), ...parseVariables(d.body)]
  return { name: d.name, language: d.language, category: d.category as TemplateDefinition['category'], parameterFormat: parameterFormatOf(all), components }
}

function buttonDef(b: TemplateButton): TemplateDefinitionButton {
  switch (b.type) {
    case 'quick_reply':
      return { type: 'quick_reply', text: b.text }
    case 'url':
      return { type: 'url', text: b.text, url: b.url, ...(b.example ? { example: b.example } : {}) }
    case 'phone_number':
      return { type: 'phone_number', text: b.text, phoneNumber: b.phoneNumber }
    case 'copy_code':
      return { type: 'copy_code', example: b.example }
  }
}

const notFound = (id: string) => new NotFoundError('not_found', `No template has the id ${id}; list templates with GET /v1/templates.`, { id })

/** Checks the definition, stores it PENDING, and submits it to the number's provider for review. */
export async function createTemplate(deps: Deps, businessId: string, input: TemplateInput): Promise<TemplateRow> {
  const problems = checkTemplateDraft(input)
  if (input.header && input.header.format !== 'text' && !input.header.exampleHandle) {
    problems.push({ field: 'header.example_handle', problem: 'is required for a media header: upload a sample and give its handle' })
  }
  if (problems.length) throw invalid(problems)
  const number = await resolveSendingNumber(deps, businessId, input.numberId)
  const at = deps.clock()
  const variables = [...new Set([...parseVariables(input.header?.format === 'text' ? input.header.text : ''), ...parseVariables(input.body)])]
  const row = await deps.store.templates.insert({
    id: newId(),
    businessId,
    numberId: number.id,
    wabaId: number.wabaId,
    name: input.name,
    language: input.language,
    category: input.category,
    status: 'PENDING',
    body: input.body,
    header: input.header ? { ...input.header } : null,
    footer: input.footer ?? null,
    buttons: (input.buttons ?? []).map((b) => ({ ...b })),
    examples: input.examples ?? {},
    variables,
    createdAt: at,
    updatedAt: at,
  })
  if (!row) {
    throw new ConflictError(
      'template_exists',
      `A template named ${input.name} in ${input.language} already exists on this number; use another name or language, or delete the old one first.`,
      { name: input.name, language: input.language },
    )
  }
  try {
    const res = await deps.providers.for(number).submitTemplate(credentialsFor(deps, number), definitionOf(input))
    // Meta answers PENDING almost always; keep its word if it already decided.
    const status = ['PENDING', 'APPROVED', 'REJECTED'].includes(res.status) ? res.status : 'PENDING'
    return (await deps.store.templates.setProviderResult(row.id, res.providerTemplateId, status, deps.clock())) ?? row
  } catch (err) {
    // The provider refused or failed: nothing was created there, so nothing is kept here.
    await deps.store.templates.delete(businessId, row.id)
    throw err
  }
}

export async function getTemplate(deps: Deps, businessId: string, id: string): Promise<TemplateRow> {
  const t = isUuid(id) ? await deps.store.templates.get(businessId, id) : null
  if (!t) throw notFound(id)
  return t
}

export async function listTemplates(
  deps: Deps,
  filter: TemplateFilter,
  page: { pageSize: number; pageToken?: string },
): Promise<{ items: TemplateRow[]; nextPageToken?: string }> {
  const cursor = decodePageToken<TimeCursor>(page.pageToken, isTimeCursor)
  const rows = await deps.store.templates.list(filter, cursor ? { t: new Date(cursor.t), id: cursor.id } : undefined, page.pageSize + 1)
  const more = rows.length > page.pageSize
  const items = rows.slice(0, page.pageSize)
  const last = items[items.length - 1]
  return { items, nextPageToken: more && last ? encodePageToken({ t: last.createdAt.toISOString(), id: last.id }) : undefined }
}

/**
 * Deletes the template at the provider and here. Meta deletes a template by name, every language at
 * once, so every language of that name on the WABA goes; the count says how many.
 */
export async function deleteTemplate(deps: Deps, businessId: string, id: string): Promise<{ template: TemplateRow; deleted: number }> {
  const t = await getTemplate(deps, businessId, id)
  const number = await deps.store.numbers.get(businessId, t.numberId)
  if (number && t.providerTemplateId) await deps.providers.for(number).deleteTemplate(credentialsFor(deps, number), t.name)
  const deleted = await deps.store.templates.deleteByName(t.wabaId, businessId, t.name)
  return { template: t, deleted }
}

function fromProvider(p: ProviderTemplate) {
  const comp = (type: string) => p.components.find((c) => c.type === type)
  const header = comp('header')
  const body = comp('body')?.text ?? ''
  const headerJson: Record<string, unknown> | null = header
    ? header.format === 'text' || (!header.format && header.text)
      ? { format: 'text', text: header.text ?? '' }
      : { format: header.format ?? 'image' }
    : null
  const buttons = (comp('buttons')?.buttons ?? []).map((b) => {
    const out: Record<string, unknown> = { type: b.type }
    if (b.text !== undefined) out.text = b.text
    if (b.url !== undefined) out.url = b.url
    if (b.phoneNumber !== undefined) out.phone_number = b.phoneNumber
    return out
  })
  const status = ['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'].includes(p.status) ? p.status : p.status.toUpperCase()
  return {
    name: p.name,
    language: p.language,
    category: (p.category ?? 'UTILITY').toUpperCase(),
    status,
    statusReason: p.rejectedReason,
    body,
    header: headerJson,
    footer: comp('footer')?.text ?? null,
    buttons,
    variables: [...new Set([...parseVariables(header?.text), ...parseVariables(body)])],
    providerTemplateId: p.providerTemplateId,
  }
}

/** Pulls the number's templates from the provider: new ones appear, statuses update, deleted ones go. */
export async function syncTemplates(deps: Deps, businessId: string, numberId?: string): Promise<{ created: number; updated: number; removed: number }> {
  const number = numberId ? await getNumber(deps, businessId, numberId) : await resolveSendingNumber(deps, businessId)
  const list = await deps.providers.for(number).listTemplates(credentialsFor(deps, number))
  return deps.store.templates.syncNumber(businessId, number.id, number.wabaId, list.map(fromProvider), () => newId(), deps.clock())
}

// ------------------------------------------------------------------------------------------------
// Sending

// Every template send looks its template up by name: group-committed, a burst costs one query. The
// lookup key is "<number id> <name>" (a uuid has no space).
const nameKey = (numberId: string, name: string) => `${numberId} ${name}`
const nameLookups = perStore((deps) =>
  groupLookup<TemplateRow[]>(async (keys) => {
    const rows = await deps.store.templates.byNames(keys.map((k) => ({ numberId: k.slice(0, 36), name: k.slice(37) })))
    const found = new Map<string, TemplateRow[]>()
    for (const t of rows) {
      const k = nameKey(t.numberId, t.name)
      found.set(k, [...(found.get(k) ?? []), t])
    }
    return found
  }),
)

/**
 * The template a key (and optional language) names on a number, whatever its status: 404
 * `template_not_found`, or 400 when several languages exist and none was given.
 */
export async function templateByKey(deps: Deps, numberId: string, key: string, language?: string): Promise<TemplateRow> {
  const all = (await nameLookups(deps)(nameKey(numberId, key))) ?? []
  if (all.length === 0) {
    throw new NotFoundError(
      'template_not_found',
      `No template named "${key}" exists on this number; create it with POST /v1/templates, or run POST /v1/templates/sync if it was made elsewhere.`,
      { template_key: key },
    )
  }
  let t: TemplateRow | undefined
  if (language) {
    t = all.find((x) => x.language === language)
    if (!t) {
      throw new NotFoundError(
        'template_not_found',
        `The template "${key}" has no ${language} version; use one of: ${all.map((x) => x.language).join(', ')}.`,
        { template_key: key, language, languages: all.map((x) => x.language) },
      )
    }
  } else if (all.length === 1) {
    t = all[0]
  } else {
    t = all.find((x) => x.status === 'APPROVED' && all.filter((y) => y.status === 'APPROVED').length === 1)
    if (!t) {
      throw ValidationError.fields(
        `The template "${key}" exists in several languages (${all.map((x) => x.language).join(', ')}); say which with "language".`,
        [{ field: 'language', problem: `is required: one of ${all.map((x) => x.language).join(', ')}` }],
      )
    }
  }
  return t
}

/** 422 `template_not_approved` unless WhatsApp approved it: only APPROVED templates can be sent. */
export function assertTemplateApproved(t: TemplateRow): void {
  if (t.status === 'APPROVED') return
  const why = t.status === 'PENDING' ? 'it is still waiting for WhatsApp review' : `its status is ${t.status}${t.statusReason ? ` (${t.statusReason})` : ''}`
  throw new RuleRefusedError(
    'template_not_approved',
    `The template "${t.name}" (${t.language}) cannot be sent because ${why}; only APPROVED templates can be sent.`,
    { template_id: t.id, template_key: t.name, language: t.language, status: t.status },
  )
}

export async function approvedTemplateFor(deps: Deps, numberId: string, key: string, language?: string): Promise<TemplateRow> {
  const t = await templateByKey(deps, numberId, key, language)
  assertTemplateApproved(t)
  return t
}

export interface FilledTemplate {
  /** Components for the provider, stored on the message so dispatch needs no template lookup. */
  components: TemplateComponent[]
  /** The preview text a person reads, stored as the message text. */
  text: string
  values: Record<string, string>
}

/** Checks and fills the template's variables: 400 listing every missing, empty or unknown one. */
export function fillTemplate(t: TemplateRow, variables: Record<string, unknown>): FilledTemplate {
  const { values, problems } = checkSendVariables(t.variables, variables)
  if (problems.length) {
    const needs = t.variables.length ? `needs exactly these variables: ${t.variables.join(', ')}` : 'has no variables'
    throw ValidationError.fields(
      `The template "${t.name}" ${needs}. ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`,
      problems,
      'invalid_template_variables',
    )
  }
  const header = headerOf(t)
  const headerVars = header?.format === 'text' ? parseVariables(header.text) : []
  const bodyVars = parseVariables(t.body)
  const named = parameterFormatOf(t.variables) === 'named'
  const param = (v: string) => ({ type: 'text' as const, text: values[v], ...(named ? { parameterName: v } : {}) })
  const components: TemplateComponent[] = []
  if (headerVars.length) components.push({ type: 'header', parameters: headerVars.map(param) })
  if (bodyVars.length) components.push({ type: 'body', parameters: bodyVars.map(param) })
  return {
    components,
    text: renderPreview({ body: t.body, headerText: header?.format === 'text' ? header.text : null, footer: t.footer }, values),
    values,
  }
}
