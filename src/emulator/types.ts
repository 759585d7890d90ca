// Shapes the emulator keeps in memory and in its state file. Field names follow the wire (snake_case)
// where a value is echoed back over HTTP as is, so nothing needs converting twice.

export interface BusinessNumber {
  phone_number_id: string
  display_phone_number: string
  waba_id: string
  access_token: string
  app_secret: string
  webhook_url: string | null
  verified_name: string
  /** Null means "use the config default", so changing the default moves every such number. */
  throughput_mps: number | null
  registered: boolean
}

export type TemplateStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED'
export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'

export interface TemplateComponentDef {
  type: string
  format?: string
  text?: string
  buttons?: Array<Record<string, unknown>>
  example?: unknown
  [key: string]: unknown
}

export interface Template {
  id: string
  waba_id: string
  name: string
  language: string
  category: TemplateCategory
  parameter_format: 'POSITIONAL' | 'NAMED'
  components: TemplateComponentDef[]
  status: TemplateStatus
  rejected_reason?: string
  /** Epoch ms; templates list oldest first, like Meta's default order. */
  created_at: number
}

export interface MediaMeta {
  id: string
  owner_phone_number_id: string
  mime_type: string
  sha256_hex: string
  file_size: number
  filename?: string
  created_at: number
}

export type EmulatedStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed'

export interface StatusError {
  code: number
  title: string
  message: string
  error_data: { details: string }
  href: string
}

export interface OutboxEntry {
  wamid: string
  phone_number_id: string
  to: string
  wa_id: string
  type: string
  body: Record<string, unknown>
  status: EmulatedStatus
  statuses: Array<{ status: EmulatedStatus; timestamp: string }>
  errors: StatusError[]
  /** Emulator clock, unix seconds as a string like every Meta timestamp. */
  accepted_at: string
  template?: { name: string; language: string; category: string }
}

export interface PairRateLimit {
  max_messages: number
  per_seconds: number
}

export interface EmulatorConfig {
  /** Offsets from acceptance, in ms, at which each status is emitted. */
  status_delays_ms: { sent: number; delivered: number; read: number }
  auto_read: boolean
  template_review_ms: number
  /** Phones (digits) that are not on WhatsApp: sends to them fail with 131026. */
  not_on_whatsapp: string[]
  default_throughput_mps: number
  /** Business→customer pair limit (131056); null turns it off. */
  pair_rate_limit: PairRateLimit | null
  webhook_retry_base_ms: number
  /** Attempts in total, the first one included. */
  webhook_max_attempts: number
  webhook_timeout_ms: number
  /** 0 posts each event alone; >0 groups events due within that window for one number. */
  webhook_batch_ms: number
  webhook_batch_max: number
  /** The free-form window, in seconds (Meta's is 24 h). */
  service_window_s: number
}

export interface Fault {
  remaining: number
  http_status: number
  code: number
}
