import type { Writable } from 'node:stream'
// The Cloud API adapter: WhatsAppProvider over Meta's Graph API (or the emulator, which answers the
// same paths). Stateless apart from its options, so one instance serves every number.
import type {
  DownloadedMedia, InboundBatch, MediaInfo, MediaUpload, NumberCredentials, NumberInfo, OutboundPayload,
  ProviderTemplate, TemplateDefinition, TemplateStatus, WhatsAppProvider,
} from '../port.js'
import { classifyMetaError } from './errors.js'
import { graphJson, type HttpOptions } from './http.js'
import { downloadMedia, getMediaInfo, uploadMedia } from './media.js'
import { buildMessageBody, buildReadReceipt } from './payloads.js'
import { verifySignature } from './signature.js'
import { buildTemplateCreateBody, parseTemplatePage, TEMPLATE_LIST_FIELDS } from './templates.js'
import { parseWebhook } from './webhook.js'

export interface CloudProviderOptions {
  /** Deadline per Graph call; media downloads get `mediaTimeoutMs`. */
  timeoutMs?: number
  mediaTimeoutMs?: number
  /** Safety stop for template paging (100 per page). */
  maxTemplatePages?: number
}

const NUMBER_FIELDS = 'id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,throughput,platform_type,status'

export class CloudProvider implements WhatsAppProvider {
  static readonly identifier = 'cloud'
  private readonly http: HttpOptions
  private readonly media: HttpOptions
  private readonly maxPages: number

  constructor(opts: CloudProviderOptions = {}) {
    this.http = { timeoutMs: opts.timeoutMs ?? 15_000 }
    this.media = { timeoutMs: opts.mediaTimeoutMs ?? 120_000 }
    this.maxPages = opts.maxTemplatePages ?? 100
  }

  async send(creds: NumberCredentials, payload: OutboundPayload): Promise<{ wamid: string }> {
    const body = await graphJson(creds, { method: 'POST', path: `${creds.phoneNumberId}/messages`, json: buildMessageBody(payload) }, this.http)
    const wamid = first(get(body, 'messages'), 'id')
    if (!wamid) throw unexpected('send')
    return { wamid }
  }

  async markRead(creds: NumberCredentials, wamid: string): Promise<void> {
    await graphJson(creds, { method: 'POST', path: `${creds.phoneNumberId}/messages`, json: buildReadReceipt(wamid) }, this.http)
  }

  async submitTemplate(creds: NumberCredentials, def: TemplateDefinition): Promise<{ providerTemplateId: string; status: TemplateStatus }> {
    const body = await graphJson(creds, { method: 'POST', path: `${creds.wabaId}/message_templates`, json: buildTemplateCreateBody(def) }, this.http)
    const id = scalar(get(body, 'id'))
    if (!id) throw unexpected('template creation')
    return { providerTemplateId: id, status: scalar(get(body, 'status')) ?? 'PENDING' }
  }

  async listTemplates(creds: NumberCredentials): Promise<ProviderTemplate[]> {
    const all: ProviderTemplate[] = []
    const seen = new Set<string>()
    let after: string | undefined
    for (let page = 0; page < this.maxPages; page++) {
      // Cursor only: Meta's `paging.next` URL carries the access token in its query string.
      const body = await graphJson(creds, {
        method: 'GET',
        path: `${creds.wabaId}/message_templates`,
        query: { fields: TEMPLATE_LIST_FIELDS, limit: '100', after },
      }, this.http)
      const { templates, after: next } = parseTemplatePage(body)
      all.push(...templates)
      if (!next || seen.has(next)) return all
      seen.add(next)
      after = next
    }
    return all
  }

  async deleteTemplate(creds: NumberCredentials, name: string): Promise<void> {
    await graphJson(creds, { method: 'DELETE', path: `${creds.wabaId}/message_templates`, query: { name } }, this.http)
  }

  uploadMedia(creds: NumberCredentials, file: MediaUpload): Promise<{ mediaId: string }> {
    return uploadMedia(creds, file, this.media)
  }

  getMediaInfo(creds: NumberCredentials, mediaId: string): Promise<MediaInfo> {
    return getMediaInfo(creds, mediaId, this.http)
  }

  downloadMedia(creds: NumberCredentials, mediaId: string, into: Writable): Promise<DownloadedMedia> {
    return downloadMedia(creds, mediaId, into, this.media)
  }

  async getNumberInfo(creds: NumberCredentials): Promise<NumberInfo> {
    const body = await graphJson(creds, { method: 'GET', path: creds.phoneNumberId, query: { fields: NUMBER_FIELDS } }, this.http)
    const throughput = get(body, 'throughput')
    return {
      phoneNumberId: scalar(get(body, 'id')) ?? creds.phoneNumberId,
      displayPhoneNumber: scalar(get(body, 'display_phone_number')),
      verifiedName: scalar(get(body, 'verified_name')),
      qualityRating: scalar(get(body, 'quality_rating')),
      codeVerificationStatus: scalar(get(body, 'code_verification_status')),
      nameStatus: scalar(get(body, 'name_status')),
      throughputLevel: scalar(get(throughput, 'level')),
      platformType: scalar(get(body, 'platform_type')),
      status: scalar(get(body, 'status')),
    }
  }

  async registerNumber(creds: NumberCredentials, pin: string): Promise<void> {
    await graphJson(creds, { method: 'POST', path: `${creds.phoneNumberId}/register`, json: { messaging_product: 'whatsapp', pin } }, this.http)
  }

  async subscribeApp(creds: NumberCredentials): Promise<void> {
    await graphJson(creds, { method: 'POST', path: `${creds.wabaId}/subscribed_apps`, json: {} }, this.http)
  }

  verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
    return verifySignature(rawBody, header, appSecret)
  }

  parseWebhook(payload: unknown): InboundBatch {
    return parseWebhook(payload)
  }
}

function get(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined
}
function first(list: unknown, key: string): string | null {
  return Array.isArray(list) && list.length ? scalar(get(list[0], key)) : null
}
function scalar(v: unknown): string | null {
  if (typeof v === 'string' && v.length) return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}
function unexpected(what: string) {
  return classifyMetaError({ httpStatus: null, metaCode: null, message: `The Graph API answered the ${what} without the expected fields.` })
}
