// Media: upload (multipart, as Meta requires), look-up, and download through the short-lived URL.
import type { Writable } from 'node:stream'
import type { DownloadedMedia, MediaInfo, MediaUpload, NumberCredentials } from '../port.js'
import { classifyMetaError } from './errors.js'
import { graphDownload, graphJson, type HttpOptions } from './http.js'

/** Meta's largest media (documents) is 100 MB; refuse anything bigger. */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024

export async function uploadMedia(creds: NumberCredentials, file: MediaUpload, opts: HttpOptions): Promise<{ mediaId: string }> {
  const form = new FormData()
  form.set('messaging_product', 'whatsapp')
  form.set('type', file.mimeType)
  form.set('file', new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.filename)
  const body = await graphJson(creds, { method: 'POST', path: `${creds.phoneNumberId}/media`, form }, opts)
  const id = field(body, 'id')
  if (!id) throw malformed('media upload')
  return { mediaId: id }
}

export async function getMediaInfo(creds: NumberCredentials, mediaId: string, opts: HttpOptions): Promise<MediaInfo> {
  const body = await graphJson(creds, {
    method: 'GET',
    path: encodeURIComponent(mediaId),
    // Scopes the look-up to this number, so one number cannot read another's media.
    query: { phone_number_id: creds.phoneNumberId },
  }, opts)
  const url = field(body, 'url')
  if (!url) throw malformed('media look-up')
  const size = Number(field(body, 'file_size'))
  return {
    mediaId: field(body, 'id') ?? mediaId,
    url,
    mimeType: field(body, 'mime_type') ?? 'application/octet-stream',
    sha256: field(body, 'sha256'),
    size: Number.isFinite(size) && field(body, 'file_size') !== null ? size : null,
  }
}

export async function downloadMedia(creds: NumberCredentials, mediaId: string, into: Writable, opts: HttpOptions): Promise<DownloadedMedia> {
  const info = await getMediaInfo(creds, mediaId, opts)
  const got = await graphDownload(creds, info.url, into, { ...opts, maxBytes: MAX_MEDIA_BYTES })
  const hex = got.sha256.digest('hex')
  // Meta documents sha256 as hex of the file (base64 is accepted too); a mismatch means a truncated or
  // swapped download.
  if (info.sha256 && hex !== info.sha256.toLowerCase() && Buffer.from(hex, 'hex').toString('base64') !== info.sha256) {
    throw classifyMetaError({ httpStatus: 502, metaCode: null, message: 'The downloaded media does not match its sha256.' })
  }
  return {
    mimeType: info.mimeType !== 'application/octet-stream' ? info.mimeType : (got.contentType ?? info.mimeType),
    sha256: hex,
    size: got.size,
  }
}

function field(body: unknown, key: string): string | null {
  if (typeof body !== 'object' || body === null) return null
  const v = (body as Record<string, unknown>)[key]
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  return null
}

function malformed(what: string) {
  return classifyMetaError({ httpStatus: null, metaCode: null, message: `The Graph API answered the ${what} without the expected fields.` })
}
