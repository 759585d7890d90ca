import { createHash, randomBytes } from 'node:crypto'
import type { Ctx } from './context.js'
import { invalidParameter, requiredParameter } from './graph-error.js'
import { newNumericId } from './ids.js'
import type { MediaMeta } from './types.js'

export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024

/** Stores bytes as a media object owned by a number (uploaded by the business or sent by a customer). */
export async function storeMedia(ctx: Ctx, owner: string, bytes: Buffer, mimeType: string, filename?: string): Promise<MediaMeta> {
  const meta: MediaMeta = {
    id: newNumericId(), owner_phone_number_id: owner, mime_type: mimeType,
    sha256_hex: createHash('sha256').update(bytes).digest('hex'), file_size: bytes.length,
    ...(filename ? { filename } : {}), created_at: Date.now(),
  }
  await ctx.state.putMedia(meta, bytes)
  return meta
}

/**
 * Reads a multipart upload (`file`, `messaging_product`, optional `type`) with the WHATWG parser built
 * into Node, which keeps us off an extra dependency.
 */
export async function parseUpload(contentType: string, body: Buffer): Promise<{ bytes: Buffer; mimeType: string; filename?: string }> {
  let form: FormData
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw invalidParameter('The upload must be multipart/form-data with a file field.')
  }
  if (form.get('messaging_product') !== 'whatsapp') throw requiredParameter('messaging_product')
  const file = form.get('file')
  if (!file || typeof file === 'string') throw requiredParameter('file')
  const typeField = form.get('type')
  const mimeType = (typeof typeField === 'string' && typeField) || file.type || 'application/octet-stream'
  const bytes = Buffer.from(await file.arrayBuffer())
  if (bytes.length === 0) throw invalidParameter('The uploaded file is empty.')
  return { bytes, mimeType, filename: file.name || undefined }
}

export function mediaView(meta: MediaMeta, baseUrl: string): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    url: `${baseUrl}/_media/${meta.id}?hash=${meta.sha256_hex.slice(0, 16)}`,
    mime_type: meta.mime_type,
    sha256: meta.sha256_hex,
    file_size: String(meta.file_size),
    id: meta.id,
  }
}

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

/** Small but well-formed-looking bytes for media a played customer sends, unless the caller gave some. */
export function sampleMedia(type: string): { bytes: Buffer; mimeType: string; filename?: string } {
  switch (type) {
    case 'image': return { bytes: PNG_1X1, mimeType: 'image/png' }
    case 'sticker': return { bytes: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), randomBytes(32)]), mimeType: 'image/webp' }
    case 'audio': return { bytes: Buffer.concat([Buffer.from('OggS'), randomBytes(60)]), mimeType: 'audio/ogg; codecs=opus' }
    case 'video': return { bytes: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), randomBytes(64)]), mimeType: 'video/mp4' }
    default: return { bytes: Buffer.from('%PDF-1.4\n% emulator sample document\n%%EOF\n'), mimeType: 'application/pdf', filename: 'document.pdf' }
  }
}
