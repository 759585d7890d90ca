import { Type } from 'typebox'
import type { NumberRow } from '../../store/numbers.js'
import { Timestamp, iso } from '../schemas.js'

// A number as the API shows it. Secrets (access token, app secret, verify token) never leave the
// server: the view has no field for them, and the response schema would drop them anyway.
export const NumberView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    business_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    display_phone_number: Type.String({ description: 'E.164.' }),
    phone_number_id: Type.String({ description: "Meta's phone number id." }),
    waba_id: Type.String({ description: 'WhatsApp Business Account id.' }),
    provider: Type.String(),
    graph_base_url: Type.String(),
    graph_version: Type.String(),
    throughput_mps: Type.Integer(),
    is_default: Type.Boolean(),
    status: Type.Union([Type.Literal('connected'), Type.Literal('disconnected')]),
    status_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the number is disconnected (Meta error 190: invalid token).' }),
    has_verify_token: Type.Boolean({ description: 'Whether a webhook verify token is set (the token itself is never shown).' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Number' },
)

export function toNumberView(n: NumberRow) {
  return {
    id: n.id,
    business_id: n.businessId,
    name: n.name,
    display_phone_number: n.displayPhoneNumber,
    phone_number_id: n.phoneNumberId,
    waba_id: n.wabaId,
    provider: n.provider,
    graph_base_url: n.graphBaseUrl,
    graph_version: n.graphVersion,
    throughput_mps: n.throughputMps,
    is_default: n.isDefault,
    status: n.status === 'disconnected' ? ('disconnected' as const) : ('connected' as const),
    status_reason: n.statusReason,
    has_verify_token: n.verifyTokenEnc !== null,
    created_at: iso(n.createdAt),
    updated_at: iso(n.updatedAt),
  }
}
