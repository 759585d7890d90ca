// The API's shapes as the page reads them (snake_case, as on the wire). Fields some areas may not
// send yet are optional, so the page degrades instead of breaking.

export type Role = 'owner' | 'admin' | 'agent'

export interface Me {
  kind: 'member' | 'api_key'
  id: string
  business_id: string
  name: string
  role: Role | null
  scopes: string[]
}

export type ConversationStatus = 'open' | 'pending_customer' | 'pending' | 'resolved'
export type ConversationMode = 'ai' | 'human'

export interface Conversation {
  id: string
  business_id: string
  number_id: string
  contact_id: string
  customer_phone: string | null
  customer_name: string | null
  status: ConversationStatus
  mode: ConversationMode
  assignee_id: string | null
  team_id: string | null
  folder: string | null
  unread_count: number
  last_message_at: string | null
  last_inbound_at: string | null
  last_outbound_at: string | null
  window_open: boolean
  window_expires_at: string | null
  /** Not in issue 4's list; shown when the API sends it. */
  last_message_preview?: string | null
  last_message?: Partial<Message> | null
  tags?: string[]
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'received'

export interface MessageError {
  code?: number | string | null
  title?: string | null
  message?: string | null
  details?: unknown
  /** WhatsApp's numeric error code (131026, 131047…). */
  provider_code?: number | null
}

export interface Reaction {
  emoji?: string | null
  direction?: string
  author?: string
  [k: string]: unknown
}

export interface Message {
  id: string
  conversation_id: string
  direction: 'inbound' | 'outbound'
  message_type: string
  text: string | null
  payload: Record<string, unknown>
  template: { key?: string; name?: string; language?: string; variables?: Record<string, string> } | null
  /** The quoted message: our id when we have it, and WhatsApp's id (wamid). */
  reply_to: { message_id: string | null; provider_message_id: string | null } | null
  reactions: Reaction[]
  delivery_status: DeliveryStatus
  error: MessageError | null
  provider_message_id: string | null
  author: { type?: string; id?: string | null; name?: string | null } | string | null
  created_at: string
  sent_at?: string | null
  delivered_at?: string | null
  read_at?: string | null
  failed_at?: string | null
}

export interface ConversationDetail extends Conversation {
  messages: Message[]
}

export interface Member {
  id: string
  name: string
  email: string
  role: Role
  has_password: boolean
}

export interface Team {
  id: string
  name: string
  member_ids: string[]
}

export interface WaNumber {
  id: string
  name: string
  display_phone_number: string
  phone_number_id: string
  waba_id: string
  provider: string
  throughput_mps: number
  is_default: boolean
  status: 'connected' | 'disconnected'
  status_reason: string | null
}

export interface Contact {
  id: string
  phone: string | null
  name: string | null
  first_name: string | null
  last_name: string | null
  email: string | null
  language: string | null
  fields: Record<string, string | number | boolean>
  tags: string[]
  opted_out: boolean
  opted_out_at: string | null
  opt_source: string | null
  created_at: string
}

export interface Tag {
  id: string
  name: string
  color: string | null
  contact_count: number
}

export type FieldType = 'string' | 'number' | 'boolean' | 'date' | 'enum'
export interface ContactField {
  key: string
  label: string
  type: FieldType
  options: string[] | null
}

export interface ContactImport {
  id: string
  status: 'running' | 'completed' | 'failed'
  progress: number
  rows_processed: number
  created: number
  updated: number
  invalid: number
  errors: Array<{ row: number; column: string; problem: string }>
  failure: string | null
}

export type TemplateStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED'
export interface Template {
  id: string
  name: string
  language: string
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'
  status: TemplateStatus
  status_reason?: string | null
  body: string
  header?: { text?: string; format?: string; type?: string } | string | null
  footer?: string | null
  buttons?: Array<{ type: string; text?: string; url?: string }>
  examples?: Record<string, string>
  variables?: string[]
  number_id?: string
  created_at?: string
}

export interface ApiKey {
  id: string
  name: string
  prefix: string
  scopes: string[]
  created_at?: string
  last_used_at?: string | null
}

export interface WebhookEndpoint {
  id: string
  url: string
  events: string[]
  description: string | null
  status: 'enabled' | 'disabled'
  disabled_reason: string | null
  secret?: string
}

export interface BroadcastCounts {
  total: number
  queued: number
  sent: number
  delivered: number
  read: number
  failed: number
  skipped: number
}
export interface Broadcast {
  id: string
  name: string
  status: string
  number_id: string
  template: { id: string; key: string; language: string; category: string; status: string }
  audience: Record<string, unknown>
  variables: Record<string, unknown>
  counts: BroadcastCounts
  pause_reason: string | null
  scheduled_at: string | null
  started_at: string | null
  completed_at: string | null
  created_at: string
  /** Only on the create response: how many recipients the audience has now. */
  audience_count?: number
}
