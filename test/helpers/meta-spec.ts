// Meta's OpenAPI description of the Cloud API (v23.0) as a test oracle: adapter bodies, emulator
// responses and webhook payloads are all checked against the same spec, so neither side can drift
// into agreeing with the other instead of with Meta.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { parse } from 'yaml'
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const here = dirname(fileURLToPath(import.meta.url))
export const META_SPEC_PATH =
  process.env.META_SPEC_PATH ??
  resolve(here, '../../../shared/reference/meta-openapi/business-messaging-api_v23.0.yaml')

const SPEC_ID = 'https://switchboard.test/meta-openapi.json'
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
export type HttpMethod = (typeof METHODS)[number] | Uppercase<(typeof METHODS)[number]>

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type JsonObject = { [k: string]: Json }

interface Loaded {
  doc: JsonObject
  ajv: Ajv2020
  cache: Map<string, ValidateFunction>
}
let loaded: Loaded | undefined

// ajv-formats ships CJS; under NodeNext the default import may be the module namespace.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void

function load(): Loaded {
  if (loaded) return loaded
  const doc = parse(readFileSync(META_SPEC_PATH, 'utf8')) as JsonObject
  // strict: false because the spec carries OpenAPI-only keywords (example, discriminator, xml…)
  // and a few loose constructs; unknown keywords are ignored, real constraints still apply.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, discriminator: false })
  addFormats(ajv)
  // The whole document is registered once so every internal `#/components/...` $ref resolves in place.
  const fixed = structuredClone(doc)
  relinkWebhookSchemas(fixed)
  patchKnownErrata(fixed)
  ajv.addSchema({ ...(loosen(fixed) as JsonObject), $id: SPEC_ID } as object)
  loaded = { doc, ajv, cache: new Map() }
  return loaded
}

/**
 * The spec was merged from several files, and colliding schema names were suffixed (`TextMessage_2`
 * is the inbound text message, `TextMessage` the outbound send body), but the webhook schemas still
 * `$ref` the unsuffixed names, so an inbound message is checked against the send-body schema. We point
 * every schema reachable from WebhookPayload at its inbound twin.
 */
const WEBHOOK_TWINS: Record<string, string> = {
  BaseMessageProperties: 'BaseMessageProperties_1',
  TextMessage: 'TextMessage_2',
  ReactionMessage: 'ReactionMessage_1',
  AudioMessage: 'AudioMessage_1',
  DocumentMessage: 'DocumentMessage_1',
  ImageMessage: 'ImageMessage_1',
  StickerMessage: 'StickerMessage_1',
  VideoMessage: 'VideoMessage_1',
  LocationMessage: 'LocationMessage_1',
  ContactObject: 'ContactObject_1',
  ErrorObject: 'ErrorObject_2',
}

function relinkWebhookSchemas(doc: JsonObject): void {
  const schemas = (doc.components as JsonObject).schemas as JsonObject
  const seen = new Set<string>()
  const queue = ['WebhookPayload']
  const PREFIX = '#/components/schemas/'
  const walk = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node !== 'object') return
    if (typeof node.$ref === 'string' && node.$ref.startsWith(PREFIX)) {
      const name = node.$ref.slice(PREFIX.length)
      const twin = WEBHOOK_TWINS[name]
      const target = twin && twin in schemas ? twin : name
      node.$ref = PREFIX + target
      queue.push(target)
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples' && k !== 'discriminator') walk(v)
  }
  while (queue.length) {
    const name = queue.pop() as string
    if (seen.has(name) || !(name in schemas)) continue
    seen.add(name)
    walk(schemas[name])
  }
}

/**
 * Field-level errata, each contradicted by the spec's own examples or descriptions. Kept to a short
 * explicit list so the validator stays strict everywhere else.
 */
function patchKnownErrata(doc: JsonObject): void {
  const schemas = (doc.components as JsonObject).schemas as JsonObject
  const visit = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (!node || typeof node !== 'object') return
    // "Position index of the button (0-9)", but the pattern is a garbled character class that rejects "0".
    if (node.pattern === '^[2-6, 11-14]$') node.pattern = '^[0-9]$'
    // Template button sub-types and parameter types omit the documented copy-code button.
    if (Array.isArray(node.enum) && node.enum.includes('quick_reply') && node.enum.includes('url') && !node.enum.includes('copy_code')) {
      node.enum = [...node.enum, 'copy_code']
    }
    if (Array.isArray(node.enum) && node.enum.length === 2 && node.enum.includes('payload') && node.enum.includes('text')) {
      node.enum = [...node.enum, 'coupon_code']
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples') visit(v)
  }
  visit(schemas)
  // Location coordinates are typed string, while the spec's own "Send Location Message" example sends numbers.
  const loc = at(doc, '/components/schemas/LocationMessage/allOf/1/properties/location/properties')
  if (loc && typeof loc === 'object' && !Array.isArray(loc)) {
    for (const k of ['latitude', 'longitude']) {
      const prop = loc[k]
      if (prop && typeof prop === 'object' && !Array.isArray(prop) && prop.type === 'string') prop.type = ['number', 'string']
    }
  }
}

/**
 * Repairs two constructs in Meta's spec that make valid payloads fail, without widening anything else:
 * - `allOf: [Base, { additionalProperties: false, ... }]` rejects Base's own properties (each branch
 *   sees only its own `properties`); the intent is "no properties beyond the union", which 2020-12
 *   spells `unevaluatedProperties: false` on the parent.
 * - `oneOf` unions whose branches overlap (a minimal body matches two of them) are read as `anyOf`:
 *   at least one branch must still match.
 */
function loosen(node: Json): Json {
  if (Array.isArray(node)) return node.map(loosen)
  if (!node || typeof node !== 'object') return node
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(node)) out[k] = k === 'example' || k === 'examples' ? v : loosen(v)
  if (Array.isArray(out.oneOf)) {
    out.anyOf = out.oneOf
    delete out.oneOf
  }
  const branches = out.allOf
  if (Array.isArray(branches)) {
    let closed = false
    for (const b of branches) {
      if (b && typeof b === 'object' && !Array.isArray(b) && b.additionalProperties === false) {
        delete b.additionalProperties
        closed = true
      }
    }
    if (closed && out.unevaluatedProperties === undefined) out.unevaluatedProperties = false
  }
  return out
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

function at(doc: JsonObject, pointer: string): Json | undefined {
  let cur: Json | undefined = doc
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (cur && typeof cur === 'object' && !Array.isArray(cur)) cur = cur[key]
    else if (Array.isArray(cur)) cur = cur[Number(key)]
    else return undefined
  }
  return cur
}

/** Follows non-schema `$ref`s (responses, requestBodies) and returns the final pointer. */
function follow(doc: JsonObject, pointer: string): string {
  for (let i = 0; i < 10; i++) {
    const node = at(doc, pointer)
    if (node && typeof node === 'object' && !Array.isArray(node) && typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
      pointer = node.$ref.slice(1)
    } else return pointer
  }
  return pointer
}

function validatorAt(pointer: string): ValidateFunction {
  const l = load()
  const cached = l.cache.get(pointer)
  if (cached) return cached
  const v = l.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` })
  l.cache.set(pointer, v)
  return v
}

function operationPointer(method: string, pathTemplate: string): string {
  const l = load()
  const m = method.toLowerCase()
  const p = `/paths/${escapePointer(pathTemplate)}`
  if (at(l.doc, p) === undefined) throw new Error(`The Meta spec has no path ${pathTemplate}`)
  if (at(l.doc, `${p}/${m}`) === undefined) throw new Error(`The Meta spec has no ${method.toUpperCase()} ${pathTemplate}`)
  return `${p}/${m}`
}

function contentSchemaPointer(base: string, contentType: string): string | undefined {
  const l = load()
  const ptr = follow(l.doc, base)
  const schema = `${ptr}/content/${escapePointer(contentType)}/schema`
  return at(l.doc, schema) === undefined ? undefined : schema
}

function problems(v: ValidateFunction, data: unknown): string[] {
  if (v(data)) return []
  return (v.errors ?? []).map(describe)
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(root)'
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''
  return `${where} ${e.message ?? e.keyword}${extra}`
}

/** Problems with a request body for `method pathTemplate` (e.g. POST /{Version}/{Phone-Number-ID}/messages). */
export function validateMetaRequest(method: HttpMethod | string, pathTemplate: string, body: unknown, contentType = 'application/json'): string[] {
  const op = operationPointer(method, pathTemplate)
  const ptr = contentSchemaPointer(`${op}/requestBody`, contentType)
  if (!ptr) return [`The Meta spec declares no ${contentType} request body for ${method.toUpperCase()} ${pathTemplate}`]
  return problems(validatorAt(ptr), body)
}

/**
 * Problems with a response body. A status the operation does not list falls back to `default`, then
 * (for 4xx/5xx) to the spec's GraphAPIError shape, because many operations document only 200.
 */
export function validateMetaResponse(method: HttpMethod | string, pathTemplate: string, status: number, body: unknown): string[] {
  const l = load()
  const op = operationPointer(method, pathTemplate)
  for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
    if (at(l.doc, `${op}/responses/${key}`) === undefined) continue
    const ptr = contentSchemaPointer(`${op}/responses/${key}`, 'application/json')
    if (!ptr) return [] // documented without a body schema: nothing to check
    return problems(validatorAt(ptr), body)
  }
  if (status >= 400) return validateMetaError(body)
  return [`The Meta spec lists no ${status} response for ${method.toUpperCase()} ${pathTemplate}`]
}

/** Problems with a Graph error envelope `{ error: { message, type, code, ... } }`. */
export function validateMetaError(body: unknown): string[] {
  const out = problems(validatorAt('/components/schemas/GraphAPIError'), body)
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error
  if (!err || typeof err.code !== 'number') out.push('/error/code must be a number')
  if (!err || typeof err.message !== 'string') out.push('/error/message must be a string')
  return out
}

/** Problems with an inbound webhook payload (the spec's WebhookPayload schema). */
export function validateMetaWebhook(payload: unknown): string[] {
  return validateMetaRequest('post', '/whatsapp/webhooks', payload)
}

export interface MetaExample {
  name: string
  value: unknown
}

/** Every named request example of an operation (deep copies, so tests may mutate them). */
export function metaRequestExamples(method: HttpMethod | string, pathTemplate: string, contentType = 'application/json'): MetaExample[] {
  const l = load()
  const op = operationPointer(method, pathTemplate)
  const media = at(l.doc, `${follow(l.doc, `${op}/requestBody`)}/content/${escapePointer(contentType)}`)
  if (!media || typeof media !== 'object' || Array.isArray(media)) return []
  const out: MetaExample[] = []
  const examples = media.examples
  if (examples && typeof examples === 'object' && !Array.isArray(examples)) {
    for (const [name, ex] of Object.entries(examples)) {
      const resolved = ex && typeof ex === 'object' && !Array.isArray(ex) && typeof ex.$ref === 'string' ? at(l.doc, ex.$ref.slice(1)) : ex
      if (resolved && typeof resolved === 'object' && !Array.isArray(resolved) && 'value' in resolved) {
        out.push({ name, value: structuredClone(resolved.value) })
      }
    }
  }
  if ('example' in media) out.push({ name: 'example', value: structuredClone(media.example) })
  return out
}

/** The spec's webhook payload examples (messages, statuses, errors…), to feed the parser. */
export function metaWebhookExamples(): MetaExample[] {
  return metaRequestExamples('post', '/whatsapp/webhooks')
}

/** A schema from components/schemas, to validate a fragment (e.g. `validateMetaSchema('GraphAPIError', x)`). */
export function validateMetaSchema(name: string, data: unknown): string[] {
  const l = load()
  if (at(l.doc, `/components/schemas/${escapePointer(name)}`) === undefined) throw new Error(`The Meta spec has no schema ${name}`)
  return problems(validatorAt(`/components/schemas/${escapePointer(name)}`), data)
}

/** The raw parsed spec, for tests that need to look something up. */
export function metaSpec(): Readonly<Record<string, unknown>> {
  return load().doc
}
