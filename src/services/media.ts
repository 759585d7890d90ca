import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { dirname, join } from 'node:path'
import { NotFoundError, TooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors.js'
import { isUuid, newId } from '../domain/ids.js'
import type { MediaRow } from '../store/media.js'
import type { Deps } from './deps.js'
import { credentialsFor, noteProviderError, resolveSendingNumber } from './numbers.js'

// Media: files customers sent (fetched from the provider the first time someone asks, then cached on
// disk) and files the business uploads for later sends.

const MB = 1024 * 1024

/** Meta's accepted types and the most each may weigh (Cloud API media reference). */
const KINDS: Array<{ kind: string; maxBytes: number; types: string[] }> = [
  { kind: 'image', maxBytes: 16 * MB, types: ['image/jpeg', 'image/png'] },
  { kind: 'sticker', maxBytes: 500 * 1024, types: ['image/webp'] },
  { kind: 'audio', maxBytes: 16 * MB, types: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'] },
  { kind: 'video', maxBytes: 16 * MB, types: ['video/mp4', 'video/3gpp'] },
  {
    kind: 'document',
    maxBytes: 100 * MB,
    types: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
]

export const MAX_UPLOAD_BYTES = 100 * MB

/** Meta's rule for one upload: the media kind, or a 415/413 that says what is accepted. */
export function checkUpload(mimeType: string, size: number): { kind: string } {
  const type = mimeType.split(';')[0].trim().toLowerCase()
  const k = KINDS.find((x) => x.types.includes(type))
  if (!k) {
    throw new UnsupportedMediaTypeError(
      'unsupported_media_type',
      `WhatsApp does not accept files of type ${type || '(none)'}; send one of ${KINDS.flatMap((x) => x.types).join(', ')}.`,
      { mime_type: type, accepted: KINDS.flatMap((x) => x.types) },
    )
  }
  if (size === 0) throw ValidationError.fields('The file is empty; attach the file in the "file" field.', [{ field: 'file', problem: 'is empty' }])
  if (size > k.maxBytes) {
    throw new TooLargeError(
      'media_too_large',
      `WhatsApp accepts ${k.kind} files up to ${k.maxBytes >= MB ? `${k.maxBytes / MB} MB` : `${k.maxBytes / 1024} KB`}; this one is ${(size / MB).toFixed(1)} MB. Compress it or send it as a smaller file.`,
      { max_bytes: k.maxBytes, size_bytes: size, kind: k.kind },
    )
  }
  return { kind: k.kind }
}

export async function uploadMedia(
  deps: Deps,
  businessId: string,
  file: { bytes: Uint8Array; mimeType: string; filename: string; numberId?: string | null },
): Promise<MediaRow> {
  const mimeType = file.mimeType.split(';')[0].trim().toLowerCase()
  checkUpload(mimeType, file.bytes.byteLength)
  const number = await resolveSendingNumber(deps, businessId, file.numberId)
  let mediaId: string
  try {
    ;({ mediaId } = await deps.providers.for(number).uploadMedia(credentialsFor(deps, number), { bytes: file.bytes, mimeType, filename: file.filename }))
  } catch (err) {
    await noteProviderError(deps, number.id, err)
    throw err
  }
  const row = await deps.store.media.insert({
    id: newId(),
    businessId,
    numberId: number.id,
    origin: 'upload',
    providerMediaId: mediaId,
    mimeType,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    sizeBytes: file.bytes.byteLength,
    filename: file.filename || null,
    createdAt: deps.clock(),
  })
  // Keep the bytes: the business will likely look at what it sent, and the provider's copy expires.
  await intoCache(deps, row.id, (tmp) => writeFile(tmp, file.bytes)).catch((err) => deps.log.warn({ err, media_id: row.id }, 'could not cache uploaded media'))
  return row
}

const notFound = (id: string) => new NotFoundError('not_found', `No media has the id ${id}; media ids come with messages and uploads.`, { id })

export async function getMedia(deps: Deps, businessId: string, id: string): Promise<MediaRow> {
  const m = isUuid(id) ? await deps.store.media.get(businessId, id) : null
  if (!m) throw notFound(id)
  return m
}

/** The file's bytes: from the disk cache, else fetched once through the provider and cached. */
export interface MediaContent {
  media: MediaRow
  mimeType: string
  size: number
  /** The file's bytes; from the local cache they are streamed, never held in memory whole. */
  open(): Readable
}

export async function mediaContent(deps: Deps, businessId: string, id: string): Promise<MediaContent> {
  const m = await getMedia(deps, businessId, id)
  const path = cachePath(deps, m.id)
  const cached = await stat(path).catch(() => null)
  if (cached?.isFile()) return { media: m, mimeType: m.mimeType, size: cached.size, open: () => createReadStream(path) }
  if (!m.providerMediaId) throw notFound(id)
  const number = await deps.store.numbers.get(businessId, m.numberId)
  if (!number) throw notFound(id)
  // Streamed to disk: no download is held whole in memory (documents weigh up to 100 MB).
  const providerMediaId = m.providerMediaId
  let file
  try {
    file = await intoCache(deps, m.id, (tmp) => deps.providers.for(number).downloadMedia(credentialsFor(deps, number), providerMediaId, createWriteStream(tmp)))
  } catch (err) {
    await noteProviderError(deps, number.id, err)
    throw err
  }
  if (m.sizeBytes === null) await deps.store.media.recordDownload(m.id, file.size, m.sha256 ? null : file.sha256)
  return { media: m, mimeType: m.mimeType || file.mimeType, size: file.size, open: () => createReadStream(path) }
}

function cachePath(deps: Deps, id: string): string {
  return join(deps.config.dataDir, 'media', id)
}

/**
 * A file enters the cache under a temporary name that `write` fills, and is renamed once whole, so a
 * reader never sees half a file; a failed write leaves nothing behind.
 */
async function intoCache<T>(deps: Deps, id: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const path = cachePath(deps, id)
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.${newId()}.tmp`
  try {
    const out = await write(tmp)
    await rename(tmp, path)
    return out
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
