import type { Ctx } from './context.js'
import { GraphError, invalidParameter, paramCountMismatch, requiredParameter, templateDisabled, templateMissing, templatePaused } from './graph-error.js'
import { newNumericId } from './ids.js'
import type { Template, TemplateCategory, TemplateComponentDef, TemplateStatus } from './types.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Variables in order of first appearance: `{{1}}`, `{{first_name}}`. */
export function variablesOf(text: string | undefined): string[] {
  if (!text) return []
  const seen: string[] = []
  for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) if (!seen.includes(m[1])) seen.push(m[1])
  return seen
}

const CATEGORIES: TemplateCategory[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION']

function templateInvalid(userMsg: string, subcode = 2388043): GraphError {
  return new GraphError(400, 100, 'Invalid parameter', { subcode, userTitle: 'Invalid template', userMsg, transient: false })
}

/** Checks a create request as Meta's template review front door does; returns the new template. */
export function parseTemplateCreate(ctx: Ctx, wabaId: string, body: unknown): Template {
  if (!isRecord(body)) throw requiredParameter('name')
  const { name, language, category, components, parameter_format: parameterFormat } = body
  if (typeof name !== 'string' || name === '') throw requiredParameter('name')
  if (!/^[a-z0-9_]{1,512}$/.test(name)) {
    throw templateInvalid('Message template names can only contain lowercase letters, numbers and underscores.')
  }
  if (typeof language !== 'string' || language === '') throw requiredParameter('language')
  if (typeof category !== 'string') throw requiredParameter('category')
  const cat = category.toUpperCase() as TemplateCategory
  if (!CATEGORIES.includes(cat)) throw invalidParameter(`Param category must be one of {${CATEGORIES.join(', ')}} - got "${category}".`)
  if (!Array.isArray(components) || components.length === 0) throw requiredParameter('components')
  const format = parameterFormat === undefined ? 'POSITIONAL' : String(parameterFormat).toUpperCase()
  if (format !== 'POSITIONAL' && format !== 'NAMED') throw invalidParameter('Param parameter_format must be one of {POSITIONAL, NAMED}.')

  const defs: TemplateComponentDef[] = []
  for (const c of components) {
    if (!isRecord(c) || typeof c.type !== 'string') throw invalidParameter('Each component needs a type (HEADER, BODY, FOOTER or BUTTONS).')
    defs.push({ ...c, type: c.type.toUpperCase() })
  }
  const bodyDef = defs.find((c) => c.type === 'BODY')
  if (!bodyDef || typeof bodyDef.text !== 'string' || bodyDef.text === '') {
    throw templateInvalid('A message template needs a BODY component with text.')
  }
  if (bodyDef.text.length > 1024) throw templateInvalid('The body text of a template can be at most 1024 characters.')
  for (const d of defs) {
    const vars = variablesOf(typeof d.text === 'string' ? d.text : undefined)
    if (format === 'POSITIONAL' && vars.some((v, i) => v !== String(i + 1))) {
      throw templateInvalid(`Variables in ${d.type} must be numbered {{1}}, {{2}}, ... in order when parameter_format is POSITIONAL.`)
    }
    if (format === 'NAMED' && vars.some((v) => !/^[a-z_][a-z0-9_]*$/.test(v))) {
      throw templateInvalid(`Named variables in ${d.type} must be lowercase letters, numbers and underscores, like {{first_name}}.`)
    }
  }
  for (const t of ctx.state.templates.values()) {
    if (t.waba_id === wabaId && t.name === name && t.language === language) {
      throw new GraphError(400, 100, 'Invalid parameter', {
        subcode: 2388024, userTitle: 'Message template already exists',
        userMsg: `There is already ${language} content for this template (${name}). You can create a new template and try again.`,
        transient: false,
      })
    }
  }
  return {
    id: newNumericId(), waba_id: wabaId, name, language, category: cat,
    parameter_format: format, components: defs, status: 'PENDING', created_at: Date.now(),
  }
}

/** The public shape of a template in list answers. */
export function templateView(t: Template): Record<string, unknown> {
  return {
    name: t.name,
    parameter_format: t.parameter_format,
    components: t.components,
    language: t.language,
    status: t.status,
    category: t.category,
    id: t.id,
    ...(t.status === 'REJECTED' ? { rejected_reason: t.rejected_reason ?? 'INVALID_FORMAT' } : {}),
  }
}

/** Sets a status and tells every webhook URL of the WABA, as Meta's `message_template_status_update` does. */
export async function changeTemplateStatus(ctx: Ctx, t: Template, status: TemplateStatus, reason?: string): Promise<void> {
  t.status = status
  t.rejected_reason = status === 'REJECTED' ? (reason ?? 'INVALID_FORMAT') : undefined
  ctx.state.changed()
  const value: Record<string, unknown> = {
    event: status,
    message_template_id: Number(t.id),
    message_template_name: t.name,
    message_template_language: t.language,
    reason: status === 'REJECTED' ? t.rejected_reason : (reason ?? 'NONE'),
  }
  if (status === 'PAUSED' || status === 'DISABLED') {
    value.other_info = { title: status === 'PAUSED' ? 'FIRST_PAUSE' : 'DISABLED', description: reason ?? 'Your WhatsApp message template has been paused due to low quality.' }
  }
  const payload = {
    object: 'whatsapp_business_account',
    entry: [{ id: t.waba_id, time: Math.floor(ctx.clock.nowMs() / 1000), changes: [{ value, field: 'message_template_status_update' }] }],
  }
  // One post per distinct receiver: several numbers of a WABA usually share one app and URL.
  const targets = new Map<string, string>()
  for (const n of ctx.state.numbersOfWaba(t.waba_id)) if (n.webhook_url) targets.set(`${n.webhook_url}\u0000${n.app_secret}`, n.app_secret)
  await Promise.all([...targets.keys()].map((k) => ctx.webhooks.postPayload(k.split('\u0000')[0], targets.get(k) ?? '', payload)))
}

/** Meta reviews every new template; here the review is a timer and its verdict depends on the name. */
export function scheduleReview(ctx: Ctx, t: Template): void {
  ctx.timers.after(ctx.state.config.template_review_ms, () => {
    const current = ctx.state.templates.get(t.id)
    if (!current || current.status !== 'PENDING') return
    const verdict: TemplateStatus = current.name.startsWith('reject_') ? 'REJECTED' : 'APPROVED'
    void changeTemplateStatus(ctx, current, verdict, verdict === 'REJECTED' ? 'INVALID_FORMAT' : undefined)
  })
}

export function findTemplate(ctx: Ctx, wabaId: string, name: string, language: string): Template | undefined {
  for (const t of ctx.state.templates.values()) if (t.waba_id === wabaId && t.name === name && t.language === language) return t
  return undefined
}

interface SentComponent { type: string; index?: number; parameters: Array<Record<string, unknown>> }

function sentComponents(raw: unknown): SentComponent[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) throw invalidParameter('Param template[\'components\'] must be an array.')
  return raw.map((c, i) => {
    if (!isRecord(c) || typeof c.type !== 'string') throw requiredParameter(`template['components'][${i}]['type']`)
    const params = c.parameters === undefined ? [] : c.parameters
    if (!Array.isArray(params) || !params.every(isRecord)) throw invalidParameter(`Param template['components'][${i}]['parameters'] must be an array of objects.`)
    const index = c.index === undefined ? undefined : Number(c.index)
    return { type: c.type.toLowerCase(), index, parameters: params }
  })
}

const missingParam = (details: string): GraphError => new GraphError(400, 131008, '(#131008) Required parameter is missing', { details })

function checkParamValues(where: string, params: Array<Record<string, unknown>>): void {
  for (const p of params) {
    const type = p.type
    if (typeof type !== 'string') throw missingParam(`${where}: every parameter needs a type.`)
    if (type === 'text' && typeof p.text !== 'string') throw missingParam(`${where}: parameter of type text is missing text value.`)
    if (['image', 'video', 'document'].includes(type)) {
      const media = p[type]
      if (!isRecord(media) || (typeof media.id !== 'string' && typeof media.link !== 'string')) {
        throw missingParam(`${where}: parameter of type ${type} needs ${type}.id or ${type}.link.`)
      }
    }
  }
}

function checkCount(where: string, got: number, expected: number): void {
  if (got !== expected) throw paramCountMismatch(`${where}: number of localizable_params (${got}) does not match the expected number of params (${expected})`)
}

function checkNames(where: string, params: Array<Record<string, unknown>>, vars: string[]): void {
  const names = params.map((p) => p.parameter_name)
  const missing = vars.filter((v) => !names.includes(v))
  if (missing.length) {
    throw paramCountMismatch(`${where}: parameter_name value(s) ${missing.map((m) => `"${m}"`).join(', ')} missing; expected ${vars.join(', ')}`)
  }
}

/**
 * The send-time template checks: it exists in that language and is approved (132001, 132015, 132016),
 * and each component carries as many parameters as the template has variables (132000).
 */
export function checkTemplateSend(ctx: Ctx, wabaId: string, template: unknown): Template {
  if (!isRecord(template)) throw requiredParameter('template')
  const { name, language } = template
  if (typeof name !== 'string' || name === '') throw requiredParameter("template['name']")
  if (!isRecord(language) || typeof language.code !== 'string') throw requiredParameter("template['language']['code']")
  const t = findTemplate(ctx, wabaId, name, language.code)
  if (!t || t.status === 'PENDING' || t.status === 'REJECTED') throw templateMissing(name, language.code)
  if (t.status === 'PAUSED') throw templatePaused(name)
  if (t.status === 'DISABLED') throw templateDisabled(name)

  const sent = sentComponents(template.components)
  const named = t.parameter_format === 'NAMED'
  const header = t.components.find((c) => c.type === 'HEADER')
  const body = t.components.find((c) => c.type === 'BODY')
  const sentHeader = sent.filter((c) => c.type === 'header').flatMap((c) => c.parameters)
  const sentBody = sent.filter((c) => c.type === 'body').flatMap((c) => c.parameters)
  checkParamValues('header', sentHeader)
  checkParamValues('body', sentBody)

  if (header && ['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].includes(String(header.format ?? '').toUpperCase())) {
    checkCount('header', sentHeader.length, 1)
  } else {
    const vars = variablesOf(header?.text)
    checkCount('header', sentHeader.length, vars.length)
    if (named) checkNames('header', sentHeader, vars)
  }
  const bodyVars = variablesOf(body?.text)
  checkCount('body', sentBody.length, bodyVars.length)
  if (named) checkNames('body', sentBody, bodyVars)

  const buttons = (t.components.find((c) => c.type === 'BUTTONS')?.buttons ?? []) as Array<Record<string, unknown>>
  buttons.forEach((b, index) => {
    const vars = String(b.type).toUpperCase() === 'URL' ? variablesOf(typeof b.url === 'string' ? b.url : undefined) : []
    if (vars.length === 0) return
    const params = sent.filter((c) => c.type === 'button' && c.index === index).flatMap((c) => c.parameters)
    checkCount(`button at index ${index}`, params.length, vars.length)
  })
  return t
}
