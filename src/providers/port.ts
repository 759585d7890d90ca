import type { Writable } from 'node:stream'
// All that services may ask of a WhatsApp provider. Plain data in and out: no store, no Fastify, no
// HTTP. Adapters throw ProviderError (src/domain/errors.ts) with `retryable` decided once, in the
// adapter; they never write anywhere.

/** What the service hands the adapter for one number (secrets already decrypted). */
export interface NumberCredentials {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  /** e.g. https://graph.facebook.com, or the emulator's base URL. */
  graphBaseUrl: string
  /** e.g. v23.0: one value per number, never hard-coded per path. */
  graphVersion: string
}

// ---------------------------------------------------------------------------------------------
// Outbound

interface OutboundBase {
  /** Recipient: E.164 phone (with or without +). */
  to: string
  /** Quote this message (Meta's context.message_id). */
  replyToWamid?: string
}

/** Media by a previously uploaded id, or by a public http(s) link Meta fetches. */
export type MediaRef = { mediaId: string; link?: never } | { link: string; mediaId?: never }

export interface TextPayload extends OutboundBase {
  kind: 'text'
  text: string
  previewUrl?: boolean
}

/** A body parameter: named (`{{first_name}}` → parameterName 'first_name') or positional (`{{1}}`). */
export type TemplateBodyParameter =
  | { type: 'text'; text: string; parameterName?: string }
  | { type: 'currency'; fallbackValue: string; code: string; amount1000: number; parameterName?: string }
  | { type: 'date_time'; fallbackValue: string; parameterName?: string }

export type TemplateHeaderParameter =
  | { type: 'text'; text: string; parameterName?: string }
  | ({ type: 'image' | 'video' | 'document'; filename?: string } & MediaRef)

/** `index` is the button's position in the template (0-based). */
export type TemplateButtonComponent =
  | { type: 'button'; subType: 'quick_reply'; index: number; payload: string }
  | { type: 'button'; subType: 'url'; index: number; text: string }
  | { type: 'button'; subType: 'copy_code'; index: number; couponCode: string }

export type TemplateComponent =
  | { type: 'header'; parameters: TemplateHeaderParameter[] }
  | { type: 'body'; parameters: TemplateBodyParameter[] }
  | TemplateButtonComponent

export interface TemplatePayload extends OutboundBase {
  kind: 'template'
  name: string
  /** Meta locale code, e.g. en_US. */
  language: string
  components: TemplateComponent[]
}

export interface ImagePayload extends OutboundBase {
  kind: 'image'
  media: MediaRef
  caption?: string
}
export interface VideoPayload extends OutboundBase {
  kind: 'video'
  media: MediaRef
  caption?: string
}
export interface DocumentPayload extends OutboundBase {
  kind: 'document'
  media: MediaRef
  caption?: string
  filename?: string
}
/** Meta refuses captions on audio and stickers, so the type has none. */
export interface AudioPayload extends OutboundBase {
  kind: 'audio'
  media: MediaRef
}
export interface StickerPayload extends OutboundBase {
  kind: 'sticker'
  media: MediaRef
}

export type InteractiveHeader =
  | { type: 'text'; text: string }
  | ({ type: 'image' | 'video' | 'document' } & MediaRef)

/** Reply buttons: 1–3 buttons, title ≤ 20 chars, id ≤ 256 chars; body ≤ 1024, header/footer ≤ 60. */
export interface ButtonsPayload extends OutboundBase {
  kind: 'buttons'
  body: string
  header?: InteractiveHeader
  footer?: string
  buttons: Array<{ id: string; title: string }>
}

/** List: button label ≤ 20, 1–10 sections, ≤ 10 rows in total; row title ≤ 24, description ≤ 72, id ≤ 200. */
export interface ListPayload extends OutboundBase {
  kind: 'list'
  body: string
  header?: { type: 'text'; text: string }
  footer?: string
  buttonText: string
  sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>
}

/** An empty emoji removes an earlier reaction. */
export interface ReactionPayload extends OutboundBase {
  kind: 'reaction'
  messageWamid: string
  emoji: string
}

export interface LocationPayload extends OutboundBase {
  kind: 'location'
  latitude: number
  longitude: number
  name?: string
  address?: string
}

export interface SharedContact {
  name: { formattedName: string; firstName?: string; lastName?: string; middleName?: string; prefix?: string; suffix?: string }
  phones?: Array<{ phone: string; type?: string; waId?: string }>
  emails?: Array<{ email: string; type?: 'HOME' | 'WORK' }>
  urls?: Array<{ url: string; type?: 'HOME' | 'WORK' }>
  addresses?: Array<{ street?: string; city?: string; state?: string; zip?: string; country?: string; countryCode?: string; type?: 'HOME' | 'WORK' }>
  org?: { company?: string; department?: string; title?: string }
  /** YYYY-MM-DD */
  birthday?: string
}

export interface ContactsPayload extends OutboundBase {
  kind: 'contacts'
  contacts: SharedContact[]
}

export type OutboundPayload =
  | TextPayload
  | TemplatePayload
  | ImagePayload
  | VideoPayload
  | DocumentPayload
  | AudioPayload
  | StickerPayload
  | ButtonsPayload
  | ListPayload
  | ReactionPayload
  | LocationPayload
  | ContactsPayload

export type OutboundKind = OutboundPayload['kind']

// ---------------------------------------------------------------------------------------------
// Templates

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'

/** Examples are required by Meta for every variable; named ones carry their variable name. */
export type TemplateExamples = { positional: string[] } | { named: Array<{ name: string; example: string }> }

export type TemplateDefinitionComponent =
  | { type: 'header'; format: 'text'; text: string; examples?: TemplateExamples }
  | { type: 'header'; format: 'image' | 'video' | 'document'; exampleHandle: string }
  | { type: 'body'; text: string; examples?: TemplateExamples }
  | { type: 'footer'; text: string }
  | { type: 'buttons'; buttons: TemplateDefinitionButton[] }

export type TemplateDefinitionButton =
  | { type: 'quick_reply'; text: string }
  | { type: 'url'; text: string; url: string; example?: string }
  | { type: 'phone_number'; text: string; phoneNumber: string }
  | { type: 'copy_code'; example: string }

export interface TemplateDefinition {
  name: string
  language: string
  category: TemplateCategory
  /** Named (`{{first_name}}`) or positional (`{{1}}`) variables; Meta needs to be told which. */
  parameterFormat?: 'named' | 'positional'
  allowCategoryChange?: boolean
  components: TemplateDefinitionComponent[]
}

/** Meta's review states; others Meta may add are passed through as strings. */
export type TemplateStatus = 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED' | 'IN_APPEAL' | 'PENDING_DELETION' | 'DELETED' | 'LIMIT_EXCEEDED' | (string & {})

export interface ProviderTemplateComponent {
  /** Lower-cased: header, body, footer, buttons. */
  type: string
  format?: string
  text?: string
  buttons?: Array<{ type: string; text?: string; url?: string; phoneNumber?: string }>
}

export interface ProviderTemplate {
  providerTemplateId: string
  name: string
  language: string
  status: TemplateStatus
  category: string | null
  parameterFormat: 'named' | 'positional' | null
  rejectedReason: string | null
  components: ProviderTemplateComponent[]
}

// ---------------------------------------------------------------------------------------------
// Media and numbers

export interface MediaUpload {
  bytes: Uint8Array
  mimeType: string
  filename: string
}

export interface MediaInfo {
  mediaId: string
  /** Short-lived download URL; fetch it only through downloadMedia (it needs the token). */
  url: string
  mimeType: string
  sha256: string | null
  size: number | null
}

/** What a download wrote: the bytes went to the caller's stream, never held whole in memory. */
export interface DownloadedMedia {
  mimeType: string
  /** Of the bytes written, hex (checked against the provider's when it gave one). */
  sha256: string
  size: number
}

export interface NumberInfo {
  phoneNumberId: string
  displayPhoneNumber: string | null
  verifiedName: string | null
  qualityRating: string | null
  codeVerificationStatus: string | null
  nameStatus: string | null
  throughputLevel: string | null
  platformType: string | null
  status: string | null
}

// ---------------------------------------------------------------------------------------------
// Inbound (webhooks)

/** One error as Meta reports it in webhooks (messages[].errors, statuses[].errors, value.errors). */
export interface ProviderIssue {
  code: number | null
  title: string | null
  message: string | null
  details: string | null
}

export interface InboundContext {
  /** The wamid this message replies to. */
  wamid: string | null
  from: string | null
  forwarded: boolean
  frequentlyForwarded: boolean
  referredProduct: { catalogId: string; productRetailerId: string } | null
}

export interface InboundMediaContent {
  type: 'image' | 'video' | 'audio' | 'document' | 'sticker'
  mediaId: string | null
  mimeType: string | null
  sha256: string | null
  caption: string | null
  filename: string | null
  /** Audio recorded as a voice note. */
  voice: boolean
  /** Animated sticker. */
  animated: boolean
}

export interface InboundContactCard {
  name: string | null
  phones: Array<{ phone: string | null; waId: string | null; type: string | null }>
  emails: string[]
  raw: Record<string, unknown>
}

/** The normalised, type-specific part of an inbound message. Unknown types keep their raw object. */
export type InboundContent =
  | { type: 'text'; body: string }
  | { type: 'reaction'; targetWamid: string | null; emoji: string | null; removed: boolean }
  | InboundMediaContent
  | { type: 'interactive'; replyType: string; id: string | null; title: string | null; description: string | null; responseJson: string | null }
  | { type: 'button'; payload: string | null; text: string | null }
  | { type: 'location'; latitude: number | null; longitude: number | null; name: string | null; address: string | null; url: string | null }
  | { type: 'contacts'; contacts: InboundContactCard[] }
  | { type: 'order'; catalogId: string | null; text: string | null; items: Array<{ productRetailerId: string | null; quantity: number | null; itemPrice: number | null; currency: string | null }> }
  | { type: 'system'; systemType: string | null; body: string | null; newWaId: string | null; userId: string | null }
  | { type: 'unsupported'; errors: ProviderIssue[] }
  | { type: 'unknown'; originalType: string; raw: Record<string, unknown> }

export interface InboundMessageEvent {
  kind: 'message'
  wamid: string
  /** E.164 with '+', or null when Meta withholds the phone (username users; use userId). */
  from: string | null
  /** Business-scoped user id (BSUID), when Meta sends one. */
  userId: string | null
  username: string | null
  profileName: string | null
  /** From the payload's own unix `timestamp`; null only if Meta sent none parseable. */
  timestamp: Date | null
  /** Meta's type string, preserved even when we do not know it. */
  type: string
  /** Text shown in an inbox: body, caption, button/list title, or null. */
  text: string | null
  context: InboundContext | null
  referral: Record<string, unknown> | null
  content: InboundContent
  /** Meta's message object untouched, for storage and future parsing. */
  raw: Record<string, unknown>
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed'

export interface InboundStatusEvent {
  kind: 'status'
  wamid: string
  status: DeliveryStatus
  timestamp: Date | null
  /** E.164 with '+', or null when only a BSUID is given. */
  recipient: string | null
  recipientUserId: string | null
  errors: ProviderIssue[]
  pricing: { billable: boolean | null; pricingModel: string | null; category: string | null; type: string | null } | null
  conversation: { id: string | null; originType: string | null; expiresAt: Date | null } | null
  raw: Record<string, unknown>
}

export interface InboundTemplateStatusEvent {
  kind: 'template_status'
  wabaId: string
  templateId: string | null
  name: string | null
  language: string | null
  /** APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION, … as Meta sends it. */
  event: string
  /** Meta's reason; null when absent or 'NONE'. */
  reason: string | null
  raw: Record<string, unknown>
}

/** Errors Meta attaches to a change rather than to one message. */
export interface InboundErrorEvent {
  kind: 'error'
  errors: ProviderIssue[]
  raw: Record<string, unknown>
}

/** A change field, status or shape we do not model; kept whole so nothing is lost. */
export interface InboundUnknownEvent {
  kind: 'unknown'
  field: string
  raw: unknown
}

export type InboundEvent = InboundMessageEvent | InboundStatusEvent | InboundTemplateStatusEvent | InboundErrorEvent | InboundUnknownEvent

/** One entry × change: the routing key and the events it carried, in payload order. */
export interface InboundChange {
  /** Meta's change field: messages, message_template_status_update, … */
  field: string
  /** entry.id: the WABA; the routing key for template updates. */
  wabaId: string
  /** metadata.phone_number_id: the routing key for messages and statuses. */
  phoneNumberId: string | null
  displayPhoneNumber: string | null
  events: InboundEvent[]
}

export interface InboundBatch {
  /** Meta's `object` (whatsapp_business_account). */
  object: string | null
  changes: InboundChange[]
}

// ---------------------------------------------------------------------------------------------

/** A missing method fails to compile: every adapter implements all of it. */
export interface WhatsAppProvider {
  send(creds: NumberCredentials, payload: OutboundPayload): Promise<{ wamid: string }>
  markRead(creds: NumberCredentials, wamid: string): Promise<void>

  submitTemplate(creds: NumberCredentials, def: TemplateDefinition): Promise<{ providerTemplateId: string; status: TemplateStatus }>
  /** Every template of the number's WABA (all pages). */
  listTemplates(creds: NumberCredentials): Promise<ProviderTemplate[]>
  /** Deletes every language of the template with that name. */
  deleteTemplate(creds: NumberCredentials, name: string): Promise<void>

  uploadMedia(creds: NumberCredentials, file: MediaUpload): Promise<{ mediaId: string }>
  getMediaInfo(creds: NumberCredentials, mediaId: string): Promise<MediaInfo>
  /** Streams the file into `into` (which it ends). On an error the caller discards what was written. */
  downloadMedia(creds: NumberCredentials, mediaId: string, into: Writable): Promise<DownloadedMedia>

  getNumberInfo(creds: NumberCredentials): Promise<NumberInfo>
  registerNumber(creds: NumberCredentials, pin: string): Promise<void>
  /** Subscribes our app to the WABA's webhooks. */
  subscribeApp(creds: NumberCredentials): Promise<void>

  /** X-Hub-Signature-256 over the exact raw bytes, timing-safe; false for a missing or malformed header. */
  verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean
  /** Meta JSON → domain events. Never throws on unknown types; only a non-object payload is an error. */
  parseWebhook(payload: unknown): InboundBatch
}
