// Template definitions → Meta's creation body, and Meta's template listing → ProviderTemplate.
import type { ProviderTemplate, ProviderTemplateComponent, TemplateDefinition, TemplateDefinitionButton, TemplateExamples } from '../port.js'
import type { JsonObject } from './payloads.js'

export const TEMPLATE_LIST_FIELDS = 'id,name,language,status,category,components,rejected_reason,parameter_format'

export function buildTemplateCreateBody(def: TemplateDefinition): JsonObject {
  const body: JsonObject = {
    name: def.name,
    language: def.language,
    category: def.category,
    components: def.components.map((c): JsonObject => {
      switch (c.type) {
        case 'header':
          if (c.format === 'text') return { type: 'HEADER', format: 'TEXT', text: c.text, ...examples('header', c.examples) }
          return { type: 'HEADER', format: c.format.toUpperCase(), example: { header_handle: [c.exampleHandle] } }
        case 'body':
          return { type: 'BODY', text: c.text, ...examples('body', c.examples) }
        case 'footer':
          return { type: 'FOOTER', text: c.text }
        case 'buttons':
          return { type: 'BUTTONS', buttons: c.buttons.map(button) }
      }
    }),
  }
  if (def.parameterFormat) body.parameter_format = def.parameterFormat.toUpperCase()
  if (def.allowCategoryChange !== undefined) body.allow_category_change = def.allowCategoryChange
  return body
}

function examples(where: 'header' | 'body', ex: TemplateExamples | undefined): JsonObject {
  if (!ex) return {}
  if ('named' in ex) {
    return { example: { [`${where}_text_named_params`]: ex.named.map((n) => ({ param_name: n.name, example: n.example })) } }
  }
  // Meta nests body examples one level deeper than header examples.
  return { example: where === 'body' ? { body_text: [ex.positional] } : { header_text: ex.positional } }
}

function button(b: TemplateDefinitionButton): JsonObject {
  switch (b.type) {
    case 'quick_reply':
      return { type: 'QUICK_REPLY', text: b.text }
    case 'url':
      return { type: 'URL', text: b.text, url: b.url, ...(b.example ? { example: [b.example] } : {}) }
    case 'phone_number':
      return { type: 'PHONE_NUMBER', text: b.text, phone_number: b.phoneNumber }
    case 'copy_code':
      return { type: 'COPY_CODE', example: b.example }
  }
}

/** One page of GET /{WABA-ID}/message_templates → templates and the cursor of the next page. */
export function parseTemplatePage(body: unknown): { templates: ProviderTemplate[]; after: string | null } {
  const page = obj(body)
  const data = Array.isArray(page.data) ? page.data : []
  const paging = obj(page.paging)
  const after = typeof obj(paging.cursors).after === 'string' ? (obj(paging.cursors).after as string) : null
  // Meta leaves `cursors` on the last page too; only `next` says there is more.
  const hasNext = typeof paging.next === 'string' && paging.next.length > 0
  return { templates: data.map(parseTemplate), after: hasNext ? after : null }
}

function parseTemplate(raw: unknown): ProviderTemplate {
  const t = obj(raw)
  const rejected = str(t.rejected_reason)
  const format = str(t.parameter_format)?.toLowerCase()
  return {
    providerTemplateId: String(t.id ?? ''),
    name: str(t.name) ?? '',
    language: str(t.language) ?? '',
    status: str(t.status) ?? 'PENDING',
    category: str(t.category),
    parameterFormat: format === 'named' || format === 'positional' ? format : null,
    rejectedReason: rejected && rejected !== 'NONE' ? rejected : null,
    components: Array.isArray(t.components) ? t.components.map(component) : [],
  }
}

function component(raw: unknown): ProviderTemplateComponent {
  const c = obj(raw)
  const out: ProviderTemplateComponent = { type: (str(c.type) ?? '').toLowerCase() }
  const format = str(c.format)
  if (format) out.format = format.toLowerCase()
  const text = str(c.text)
  if (text !== null) out.text = text
  if (Array.isArray(c.buttons)) {
    out.buttons = c.buttons.map((b) => {
      const x = obj(b)
      return {
        type: (str(x.type) ?? '').toLowerCase(),
        ...(str(x.text) !== null ? { text: str(x.text) as string } : {}),
        ...(str(x.url) !== null ? { url: str(x.url) as string } : {}),
        ...(str(x.phone_number) !== null ? { phoneNumber: str(x.phone_number) as string } : {}),
      }
    })
  }
  return out
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}
