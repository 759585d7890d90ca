import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ValidationError } from '../../domain/errors.js'
import { getMedia, MAX_UPLOAD_BYTES, mediaContent, uploadMedia } from '../../services/media.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, Timestamp, iso } from '../schemas.js'
import type { MediaRow } from '../../store/media.js'

// Media files: GET streams a file a customer sent (or one we uploaded); POST uploads a file for later
// sends (multipart/form-data with a "file" field and an optional "number_id").

const MediaView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number_id: Type.String({ format: 'uuid' }),
    origin: Type.String({ description: 'inbound (a customer sent it) or upload.' }),
    mime_type: Type.String(),
    size_bytes: Type.Union([Type.Integer(), Type.Null()]),
    sha256: Type.Union([Type.String(), Type.Null()]),
    filename: Type.Union([Type.String(), Type.Null()]),
    provider_media_id: Type.Union([Type.String(), Type.Null()], { description: "The provider's media id, to send it (valid 30 days at Meta)." }),
    created_at: Timestamp,
  },
  { $id: 'Media' },
)

function toMediaView(m: MediaRow) {
  return {
    id: m.id,
    number_id: m.numberId,
    origin: m.origin,
    mime_type: m.mimeType,
    size_bytes: m.sizeBytes,
    sha256: m.sha256,
    filename: m.filename,
    provider_media_id: m.providerMediaId,
    created_at: iso(m.createdAt),
  }
}

interface Part {
  name: string
  filename: string | null
  contentType: string | null
  data: Buffer
}

/** A small multipart/form-data reader (RFC 7578) for one upload; the body is already bounded in size. */
function parseMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  if (!m) throw new ValidationError('invalid_multipart', 'The multipart body has no boundary; send the file as multipart/form-data.')
  const delimiter = Buffer.from(`--${(m[1] ?? m[2]).trim()}`)
  const parts: Part[] = []
  let pos = body.indexOf(delimiter)
  while (pos !== -1) {
    let start = pos + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') break
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2
    const headerEnd = body.indexOf('\r\n\r\n', start)
    if (headerEnd === -1) break
    const next = body.indexOf(delimiter, headerEnd + 4)
    if (next === -1) break
    const headers = body.subarray(start, headerEnd).toString('utf8')
    const data = body.subarray(headerEnd + 4, next - 2) // the CRLF before the next delimiter is not data
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? ''
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? ''
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? null
    parts.push({ name, filename, contentType: type, data })
    pos = next
  }
  return parts
}

export const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Room for a 100 MB document plus the multipart framing; the service applies Meta's per-type limits.
  const bodyLimit = MAX_UPLOAD_BYTES + 1024 * 1024
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body))

  app.post(
    '/v1/media',
    {
      config: { scope: 'messaging:messages:send' },
      bodyLimit,
      schema: {
        tags: ['media'],
        summary: 'Upload a file for later sends',
        description:
          'multipart/form-data with a "file" part (its Content-Type is the media type) and an optional "number_id" (default: the default number). Images (JPEG, PNG) and audio/video up to 16 MB, stickers (WebP) 500 KB, documents up to 100 MB.',
        consumes: ['multipart/form-data'],
        response: { 201: Envelope(MediaView) },
      },
    },
    async (req, reply) => {
      const ct = String(req.headers['content-type'] ?? '')
      if (!Buffer.isBuffer(req.body) || !ct.toLowerCase().startsWith('multipart/form-data')) {
        throw ValidationError.fields('Upload the file as multipart/form-data with a "file" field.', [{ field: 'file', problem: 'is required' }])
      }
      const parts = parseMultipart(req.body, ct)
      const file = parts.find((p) => p.name === 'file')
      if (!file) throw ValidationError.fields('Upload the file as multipart/form-data with a "file" field.', [{ field: 'file', problem: 'is required' }])
      const numberId = parts.find((p) => p.name === 'number_id')?.data.toString('utf8').trim() || null
      const row = await uploadMedia(app.deps, principalOf(req).businessId, {
        bytes: file.data,
        mimeType: file.contentType ?? '',
        filename: file.filename ?? 'file',
        numberId,
      })
      return reply.code(201).send({ message: 'Media uploaded', data: toMediaView(row) })
    },
  )

  app.get(
    '/v1/media/:id',
    {
      config: { scope: 'messaging:messages:read' },
      schema: {
        tags: ['media'],
        summary: 'Download a media file',
        description: 'The file itself, with its Content-Type. Fetched from WhatsApp the first time, then served from the local cache.',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const content = await mediaContent(app.deps, principalOf(req).businessId, req.params.id)
      const name = (content.media.filename ?? content.media.id).replace(/["\r\n]/g, '')
      return reply
        .type(content.mimeType)
        .header('content-length', content.size)
        .header('content-disposition', `inline; filename="${name}"`)
        .header('cache-control', 'private, max-age=3600')
        .send(content.open())
    },
  )

  app.get(
    '/v1/media/:id/info',
    {
      config: { scope: 'messaging:messages:read' },
      schema: { tags: ['media'], summary: 'Media metadata', params: IdParams, response: { 200: Envelope(MediaView) } },
    },
    async (req) => ({ message: 'Media retrieved', data: toMediaView(await getMedia(app.deps, principalOf(req).businessId, req.params.id)) }),
  )
}
