// The Graph API paths Switchboard's Cloud adapter calls, answered as Meta answers them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Ctx } from './context.js'
import { GraphError, invalidParameter, invalidToken, missingToken, requiredParameter, unknownObject } from './graph-error.js'
import { MAX_UPLOAD_BYTES, mediaView, parseUpload, storeMedia } from './media.js'
import { sendMessage } from './messaging.js'
import { parseTemplateCreate, scheduleReview, templateView } from './templates.js'
import type { BusinessNumber } from './types.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

type Params = { version: string; id: string }
type Query = Record<string, string | undefined>

/** Meta also takes `access_token` in the query; the header is what the adapter uses. */
function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (typeof h === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim())
    return m ? m[1].trim() : undefined
  }
  const q = (req.query as Query).access_token
  return typeof q === 'string' && q !== '' ? q : undefined
}

function checkVersion(version: string): void {
  if (!/^v\d+\.\d+$/.test(version)) throw new GraphError(400, 2500, 'Unknown path components: /' + version, { type: 'OAuthException' })
}

function authNumber(ctx: Ctx, req: FastifyRequest, id: string, method: 'get' | 'post' | 'delete'): BusinessNumber {
  const number = ctx.state.numbers.get(id)
  const token = tokenOf(req)
  if (!token) throw missingToken()
  if (!number) throw unknownObject(id, method)
  if (token !== number.access_token) throw invalidToken()
  return number
}

function authWaba(ctx: Ctx, req: FastifyRequest, wabaId: string, method: 'get' | 'post' | 'delete'): BusinessNumber[] {
  const numbers = ctx.state.numbersOfWaba(wabaId)
  const token = tokenOf(req)
  if (!token) throw missingToken()
  if (numbers.length === 0) throw unknownObject(wabaId, method)
  if (!numbers.some((n) => n.access_token === token)) throw invalidToken()
  return numbers
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.host}`
}

function phoneNumberView(ctx: Ctx, n: BusinessNumber, fields: string | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    verified_name: n.verified_name,
    code_verification_status: 'VERIFIED',
    display_phone_number: n.display_phone_number,
    quality_rating: 'GREEN',
    platform_type: n.registered ? 'CLOUD_API' : 'NOT_APPLICABLE',
    throughput: { level: ctx.state.throughputOf(n) > 80 ? 'HIGH' : 'STANDARD' },
    name_status: 'APPROVED',
    is_official_business_account: false,
    account_mode: 'LIVE',
    messaging_limit_tier: 'TIER_1K',
    id: n.phone_number_id,
  }
  if (!fields) return full
  const wanted = new Set(fields.split(',').map((f) => f.trim()).filter(Boolean))
  return Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || wanted.has(k)))
}

const cursor = (index: number): string => Buffer.from(String(index)).toString('base64url')
const fromCursor = (c: string | undefined): number => {
  if (!c) return 0
  const n = Number(Buffer.from(c, 'base64url').toString())
  return Number.isInteger(n) && n >= 0 ? n : 0
}

export async function graphRoutes(app: FastifyInstance, opts: { ctx: Ctx }): Promise<void> {
  const { ctx } = opts

  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body))

  // `/:version/:id` would otherwise swallow mistyped control paths and answer them as Graph errors.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_emulator')) {
      return reply.code(404).send({ message: `No control route ${req.method} ${req.url.split('?')[0]}.`, error: { code: 'not_found', details: {} } })
    }
  })

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof GraphError) return reply.code(err.httpStatus).send(err.toBody())
    const e = err as { statusCode?: number; message?: string; code?: string }
    if (e.statusCode && e.statusCode < 500) {
      const status = e.statusCode === 413 ? 413 : 400
      return reply.code(status).send(new GraphError(status, 100, `(#100) ${e.message ?? 'Invalid request'}`, { details: e.message ?? 'Invalid request' }).toBody())
    }
    req.log.error({ err }, 'emulator graph route failed')
    return reply.code(500).send(new GraphError(500, 1, 'An unknown error occurred', { transient: true }).toBody())
  })

  app.post<{ Params: Params }>('/:version/:id/messages', async (req) => {
    checkVersion(req.params.version)
    const number = authNumber(ctx, req, req.params.id, 'post')
    return sendMessage(ctx, number, req.body)
  })

  app.post<{ Params: Params }>('/:version/:id/media', { bodyLimit: MAX_UPLOAD_BYTES }, async (req) => {
    checkVersion(req.params.version)
    const number = authNumber(ctx, req, req.params.id, 'post')
    const contentType = req.headers['content-type'] ?? ''
    if (!contentType.startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
      throw invalidParameter('Upload media as multipart/form-data with the fields messaging_product=whatsapp and file.')
    }
    const upload = await parseUpload(contentType, req.body)
    const meta = await storeMedia(ctx, number.phone_number_id, upload.bytes, upload.mimeType, upload.filename)
    return { id: meta.id }
  })

  // One Graph path serves phone numbers, media and templates alike, as ids are global in Graph.
  app.get<{ Params: Params; Querystring: Query }>('/:version/:id', async (req) => {
    checkVersion(req.params.version)
    const id = req.params.id
    const token = tokenOf(req)
    if (!token) throw missingToken()
    if (ctx.state.numbers.has(id)) return phoneNumberView(ctx, authNumber(ctx, req, id, 'get'), req.query.fields)
    const media = ctx.state.media.get(id)
    if (media) {
      const owner = authNumber(ctx, req, media.owner_phone_number_id, 'get')
      if (req.query.phone_number_id && req.query.phone_number_id !== owner.phone_number_id) throw unknownObject(id, 'get')
      return mediaView(media, baseUrl(req))
    }
    const template = ctx.state.templates.get(id)
    if (template) {
      authWaba(ctx, req, template.waba_id, 'get')
      return templateView(template)
    }
    throw unknownObject(id, 'get')
  })

  app.delete<{ Params: Params; Querystring: Query }>('/:version/:id', async (req) => {
    checkVersion(req.params.version)
    const media = ctx.state.media.get(req.params.id)
    if (!tokenOf(req)) throw missingToken()
    if (!media) throw unknownObject(req.params.id, 'delete')
    authNumber(ctx, req, media.owner_phone_number_id, 'delete')
    ctx.state.media.delete(media.id)
    ctx.state.changed()
    return { success: true }
  })

  app.get<{ Params: { id: string }; Querystring: Query }>('/_media/:id', async (req, reply: FastifyReply) => {
    const media = ctx.state.media.get(req.params.id)
    if (!tokenOf(req)) throw missingToken()
    if (!media) throw unknownObject(req.params.id, 'get')
    authNumber(ctx, req, media.owner_phone_number_id, 'get')
    const bytes = await ctx.state.getMediaBytes(media.id)
    if (!bytes) throw new GraphError(404, 131052, '(#131052) Media download error', { details: 'The media bytes are no longer stored by the emulator.' })
    return reply.header('content-type', media.mime_type).header('content-length', String(bytes.length)).send(bytes)
  })

  app.post<{ Params: Params }>('/:version/:id/register', async (req) => {
    checkVersion(req.params.version)
    const number = authNumber(ctx, req, req.params.id, 'post')
    const body = isRecord(req.body) ? req.body : {}
    if (body.messaging_product !== undefined && body.messaging_product !== 'whatsapp') throw invalidParameter('Param messaging_product must be "whatsapp".')
    if (body.pin === undefined) throw requiredParameter('pin')
    if (typeof body.pin !== 'string' || !/^\d{6}$/.test(body.pin)) {
      throw new GraphError(400, 100, 'Invalid PIN format. PIN must be exactly 6 digits', { details: 'The pin must be a string of 6 digits.' })
    }
    number.registered = true
    ctx.state.changed()
    return { success: true }
  })

  app.post<{ Params: Params }>('/:version/:id/deregister', async (req) => {
    checkVersion(req.params.version)
    const number = authNumber(ctx, req, req.params.id, 'post')
    number.registered = false
    ctx.state.changed()
    return { success: true }
  })

  app.post<{ Params: Params }>('/:version/:id/subscribed_apps', async (req) => {
    checkVersion(req.params.version)
    const numbers = authWaba(ctx, req, req.params.id, 'post')
    const body = isRecord(req.body) ? req.body : {}
    // Meta lets a WABA override the app's callback URL; the emulator keeps one URL per number, so it
    // points every number of the WABA there.
    if (typeof body.override_callback_uri === 'string') {
      if (!/^https?:\/\//.test(body.override_callback_uri)) throw invalidParameter('Param override_callback_uri must be an http(s) URL.')
      for (const n of numbers) n.webhook_url = body.override_callback_uri
      ctx.state.changed()
    }
    return { success: true }
  })

  app.get<{ Params: Params }>('/:version/:id/subscribed_apps', async (req) => {
    checkVersion(req.params.version)
    const numbers = authWaba(ctx, req, req.params.id, 'get')
    return { data: [{ whatsapp_business_api_data: { id: 'emulator-app', link: numbers[0].webhook_url ?? '', name: 'Switchboard emulator app' } }] }
  })

  app.get<{ Params: Params }>('/:version/:id/phone_numbers', async (req) => {
    checkVersion(req.params.version)
    const numbers = authWaba(ctx, req, req.params.id, 'get')
    return { data: numbers.map((n) => phoneNumberView(ctx, n, undefined)) }
  })

  app.post<{ Params: Params }>('/:version/:id/message_templates', async (req) => {
    checkVersion(req.params.version)
    authWaba(ctx, req, req.params.id, 'post')
    const template = parseTemplateCreate(ctx, req.params.id, req.body)
    ctx.state.templates.set(template.id, template)
    ctx.state.changed()
    scheduleReview(ctx, template)
    return { id: template.id, status: template.status, category: template.category }
  })

  app.get<{ Params: Params; Querystring: Query }>('/:version/:id/message_templates', async (req) => {
    checkVersion(req.params.version)
    authWaba(ctx, req, req.params.id, 'get')
    const q = req.query
    const limit = q.limit === undefined ? 25 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1) throw invalidParameter('Param limit must be a positive integer.')
    const all = [...ctx.state.templates.values()]
      .filter((t) => t.waba_id === req.params.id)
      .filter((t) => !q.name || t.name.includes(q.name))
      .filter((t) => !q.status || q.status.split(',').includes(t.status))
      .filter((t) => !q.category || q.category.split(',').includes(t.category))
      .filter((t) => !q.language || t.language === q.language)
      .sort((a, b) => a.created_at - b.created_at)
    const start = fromCursor(q.after)
    const page = all.slice(start, start + limit)
    const answer: Record<string, unknown> = { data: page.map(templateView) }
    if (page.length > 0) {
      const paging: Record<string, unknown> = { cursors: { before: cursor(start), after: cursor(start + page.length) } }
      if (start + page.length < all.length) {
        paging.next = `${baseUrl(req)}/${req.params.version}/${req.params.id}/message_templates?limit=${limit}&after=${cursor(start + page.length)}`
      }
      answer.paging = paging
    }
    return answer
  })

  app.delete<{ Params: Params; Querystring: Query }>('/:version/:id/message_templates', async (req) => {
    checkVersion(req.params.version)
    authWaba(ctx, req, req.params.id, 'delete')
    const { name, hsm_id: hsmId } = req.query
    if (!name) throw requiredParameter('name')
    const doomed = [...ctx.state.templates.values()].filter((t) => t.waba_id === req.params.id && t.name === name && (!hsmId || t.id === hsmId))
    if (doomed.length === 0) {
      throw new GraphError(400, 100, 'Invalid parameter', {
        subcode: 2593002, userTitle: 'Message template not found',
        userMsg: hsmId ? `No template named ${name} with id ${hsmId}.` : `No template named ${name}.`, transient: false,
      })
    }
    for (const t of doomed) ctx.state.templates.delete(t.id)
    ctx.state.changed()
    return { success: true }
  })
}
