import { createHmac } from 'node:crypto'

/** The X-Hub-Signature-256 value Meta sends: HMAC-SHA256 of the exact body bytes with the app secret. */
export function hubSignature(rawBody: string | Uint8Array, appSecret: string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(rawBody).digest('hex')
}
