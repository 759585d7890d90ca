import type { FieldProblem } from './errors.js'

// Message templates as pure rules: which variables a text holds, whether a definition is within
// Meta's limits, the preview text a person reads, and whether a send supplies exactly the variables
// the template needs. Services call these; no I/O here, so every rule is table-tested.

export const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/
/** Meta's named-variable spelling: lowercase letters, digits and underscores, not starting with a digit. */
export const NAMED_VARIABLE = /^[a-z_][a-z0-9_]*$/
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number]
export const TEMPLATE_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number]

/** Meta's published limits for template components (Cloud API, message_templates). */
export const TEMPLATE_LIMITS = {
  body: 1024,
  headerText: 60,
  footer: 60,
  buttons: 10,
  quickReplies: 10,
  urlButtons: 2,
  phoneButtons: 1,
  copyCodeButtons: 1,
  buttonText: 25,
  url: 2000,
  phone: 20,
  copyCode: 15,
  headerVariables: 1,
  /** One value for one variable at send time. */
  variableValue: 1024,
  example: 1024,
} as const

// `{{ name }}` with optional inner spaces, as Meta and the emulator both accept.
const VARIABLE = /\{\{\s*([^{}\s]*)\s*\}\}/g

/** Every `{{…}}` in a text, in order of first appearance, without repeats. Bad names are kept (and reported by checks). */
export function parseVariables(text: string | null | undefined): string[] {
  if (!text) return []
  const out: string[] = []
  for (const m of text.matchAll(VARIABLE)) if (!out.includes(m[1])) out.push(m[1])
  return out
}

export type ParameterFormat = 'named' | 'positional'

/** Positional when every variable is a number (`{{1}}`), named otherwise; named when there are none. */
export function parameterFormatOf(variables: readonly string[]): ParameterFormat {
  return variables.length > 0 && variables.every((v) => /^\d+$/.test(v)) ? 'positional' : 'named'
}

export type TemplateButton =
  | { type: 'quick_reply'; text: string }
  | { type: 'url'; text: string; url: string; example?: string }
  | { type: 'phone_number'; text: string; phoneNumber: string }
  | { type: 'copy_code'; example: string }

export type TemplateHeader = { format: 'text'; text: string } | { format: 'image' | 'video' | 'document'; exampleHandle?: string }

export interface TemplateDraft {
  name: string
  language: string
  category: string
  body: string
  header?: TemplateHeader | null
  footer?: string | null
  buttons?: TemplateButton[]
  /** An example value for every variable of the header and body, by variable name. */
  examples?: Record<string, string>
}

/** Every problem with a template definition, each naming its field; empty when Meta would accept it. */
export function checkTemplateDraft(d: TemplateDraft): FieldProblem[] {
  const problems: FieldProblem[] = []
  const add = (field: string, problem: string) => problems.push({ field, problem })
  if (!TEMPLATE_NAME.test(d.name)) add('name', 'must be 1–512 characters of lowercase letters, digits and underscores (e.g. order_shipped)')
  if (!/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(d.language)) add('language', 'must be a WhatsApp language code such as en, en_US or pt_BR')
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(d.category)) add('category', `must be one of ${TEMPLATE_CATEGORIES.join(', ')}`)

  if (d.body.trim() === '') add('body', 'must not be empty')
  if (d.body.length > TEMPLATE_LIMITS.body) add('body', `must be at most ${TEMPLATE_LIMITS.body} characters (it has ${d.body.length})`)
  const bodyVars = parseVariables(d.body)
  const headerVars = d.header?.format === 'text' ? parseVariables(d.header.text) : []
  if (d.header?.format === 'text') {
    if (d.header.text.trim() === '') add('header.text', 'must not be empty')
    if (d.header.text.length > TEMPLATE_LIMITS.headerText) add('header.text', `must be at most ${TEMPLATE_LIMITS.headerText} characters`)
    if (headerVars.length > TEMPLATE_LIMITS.headerVariables) add('header.text', `may hold at most ${TEMPLATE_LIMITS.headerVariables} variable`)
  }
  if (d.footer !== undefined && d.footer !== null) {
    if (d.footer.trim() === '') add('footer', 'must not be empty; leave it out instead')
    if (d.footer.length > TEMPLATE_LIMITS.footer) add('footer', `must be at most ${TEMPLATE_LIMITS.footer} characters`)
    if (parseVariables(d.footer).length > 0) add('footer', 'must not hold variables')
  }

  const all = [...new Set([...headerVars, ...bodyVars])]
  const format = parameterFormatOf(all)
  for (const [field, vars] of [['header.text', headerVars], ['body', bodyVars]] as const) {
    for (const v of vars) {
      if (format === 'named' && !NAMED_VARIABLE.test(v)) {
        add(field, `variable {{${v}}} must be lowercase letters, digits and underscores, like {{first_name}} (do not mix named and numbered variables)`)
      }
    }
  }
  if (format === 'positional') {
    // Meta numbers variables 1..n in the order they first appear in each component.
    for (const [field, vars] of [['header.text', headerVars], ['body', bodyVars]] as const) {
      vars.forEach((v, i) => {
        if (v !== String(i + 1)) add(field, `numbered variables must run {{1}}, {{2}}, … in order; found {{${v}}} in position ${i + 1}`)
      })
    }
  }
  // Meta rejects bodies that start or end with a variable (error 2388299).
  const trimmed = d.body.trim()
  if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}$/.test(trimmed)) add('body', 'must not start or end with a variable; add some text around it')

  const examples = d.examples ?? {}
  for (const v of all) {
    const ex = examples[v]
    if (ex === undefined || ex.trim() === '') add(`examples.${v}`, `is required: give an example value for {{${v}}} for Meta's review`)
    else if (ex.length > TEMPLATE_LIMITS.example) add(`examples.${v}`, `must be at most ${TEMPLATE_LIMITS.example} characters`)
  }
  for (const k of Object.keys(examples)) if (!all.includes(k)) add(`examples.${k}`, `is not a variable of the header or body; remove it`)

  const buttons = d.buttons ?? []
  if (buttons.length > TEMPLATE_LIMITS.buttons) add('buttons', `must be at most ${TEMPLATE_LIMITS.buttons}`)
  const count = (t: TemplateButton['type']) => buttons.filter((b) => b.type === t).length
  if (count('url') > TEMPLATE_LIMITS.urlButtons) add('buttons', `may hold at most ${TEMPLATE_LIMITS.urlButtons} url buttons`)
  if (count('phone_number') > TEMPLATE_LIMITS.phoneButtons) add('buttons', `may hold at most ${TEMPLATE_LIMITS.phoneButtons} phone_number button`)
  if (count('copy_code') > TEMPLATE_LIMITS.copyCodeButtons) add('buttons', `may hold at most ${TEMPLATE_LIMITS.copyCodeButtons} copy_code button`)
  buttons.forEach((b, i) => {
    const f = `buttons[${i}]`
    if (b.type !== 'copy_code' && (b.text.trim() === '' || b.text.length > TEMPLATE_LIMITS.buttonText)) {
      add(`${f}.text`, `must be 1–${TEMPLATE_LIMITS.buttonText} characters`)
    }
    if (b.type === 'url') {
      if (!/^https?:\/\/\S+$/.test(b.url) || b.url.length > TEMPLATE_LIMITS.url) add(`${f}.url`, `must be an http(s) URL of at most ${TEMPLATE_LIMITS.url} characters`)
      const vars = parseVariables(b.url)
      if (vars.length > 1 || (vars.length === 1 && !b.url.endsWith('{{1}}'))) add(`${f}.url`, 'may hold one variable, {{1}}, at its end')
      if (vars.length === 1 && !b.example) add(`${f}.example`, 'is required when the url has a variable: give a full example URL')
    }
    if (b.type === 'phone_number' && !/^\+\d{6,19}$/.test(b.phoneNumber)) add(`${f}.phone_number`, `must be in international format such as +14155550123 (at most ${TEMPLATE_LIMITS.phone} characters)`)
    if (b.type === 'copy_code' && (b.example.trim() === '' || b.example.length > TEMPLATE_LIMITS.copyCode)) {
      add(`${f}.example`, `must be 1–${TEMPLATE_LIMITS.copyCode} characters`)
    }
  })
  return problems
}

/**
 * Meta refuses parameter text with newlines, tabs or more than four consecutive spaces; rather than
 * fail a send over whitespace, it is made acceptable (the same text a person would see, on one line).
 */
export function sanitizeVariableValue(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').replace(/ {4,}/g, '   ').trim()
}

export interface VariableCheck {
  /** Values ready to send (sanitised), by variable name. */
  values: Record<string, string>
  problems: FieldProblem[]
}

/** Checks send-time variables against the template's: every one given and non-empty, none unknown. */
export function checkSendVariables(templateVariables: readonly string[], given: Record<string, unknown>): VariableCheck {
  const values: Record<string, string> = {}
  const problems: FieldProblem[] = []
  for (const v of templateVariables) {
    const raw = given[v]
    if (raw === undefined || raw === null) {
      problems.push({ field: `variables.${v}`, problem: 'is missing' })
      continue
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push({ field: `variables.${v}`, problem: 'must be a string or a number' })
      continue
    }
    const text = sanitizeVariableValue(String(raw))
    if (text === '') problems.push({ field: `variables.${v}`, problem: 'must not be empty' })
    else if (text.length > TEMPLATE_LIMITS.variableValue) problems.push({ field: `variables.${v}`, problem: `must be at most ${TEMPLATE_LIMITS.variableValue} characters` })
    else values[v] = text
  }
  for (const k of Object.keys(given)) {
    if (!templateVariables.includes(k)) problems.push({ field: `variables.${k}`, problem: 'is not a variable of this template' })
  }
  return { values, problems }
}

/** Replaces each `{{name}}` with its value; variables without a value stay as written. */
export function renderText(text: string, values: Record<string, string>): string {
  return text.replace(VARIABLE, (whole, name: string) => (Object.hasOwn(values, name) ? values[name] : whole))
}

/** The preview a person reads: header text, body and footer, separated by blank lines. */
export function renderPreview(t: { body: string; headerText?: string | null; footer?: string | null }, values: Record<string, string>): string {
  return [t.headerText ? renderText(t.headerText, values) : null, renderText(t.body, values), t.footer ?? null]
    .filter((s): s is string => !!s && s.length > 0)
    .join('\n\n')
}
