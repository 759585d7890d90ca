import { createHmac, timingSafeEqual } from 'node:crypto'

// Outbound webhook signatures, the Stripe way: `Switchboard-Signature: t=<unix seconds>,v1=<hex>` where
// the hex is HMAC-SHA256 of `${t}.${raw body}`. While a rotated secret is still valid, one v1 per secret.

export const SIGNATURE_TOLERANCE_S = 300

export function signatureFor(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

export function signatureHeader(secrets: string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signatureFor(s, timestamp, body)}`)].join(',')
}

export type VerifyResult = { ok: true } | { ok: false; reason: string }

/** What a receiver runs: checks the header against the raw body, within a tolerance of `now`. */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  now: Date = new Date(),
  toleranceS = SIGNATURE_TOLERANCE_S,
): VerifyResult {
  if (!header) return { ok: false, reason: 'no Switchboard-Signature header' }
  const parts = header.split(',').map((p) => p.trim().split('='))
  const t = Number(parts.find(([k]) => k === 't')?.[1])
  const v1 = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '')
  if (!Number.isInteger(t)) return { ok: false, reason: 'no timestamp in the signature header' }
  if (v1.length === 0) return { ok: false, reason: 'no v1 signature in the header' }
  if (Math.abs(now.getTime() / 1000 - t) > toleranceS) return { ok: false, reason: 'timestamp outside the tolerance' }
  const expected = Buffer.from(signatureFor(secret, t, body), 'hex')
  const match = v1.some((v) => {
    const given = Buffer.from(v, 'hex')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return match ? { ok: true } : { ok: false, reason: 'no signature matches the secret' }
}
