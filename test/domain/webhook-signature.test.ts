import { describe, expect, it } from 'vitest'
import { isLocalHostname, isPrivateAddress } from '../../src/domain/network.js'
import { signatureHeader, verifySignature } from '../../src/domain/webhook-signature.js'

describe('outbound webhook signatures', () => {
  const body = '{"id":"evt_1","type":"ping"}'
  const now = new Date('2026-11-21T12:00:00Z')
  const t = Math.floor(now.getTime() / 1000)

  it('verifies a header made with the secret, over the exact body', () => {
    expect(verifySignature(signatureHeader(['whsec_a'], t, body), body, 'whsec_a', now)).toEqual({ ok: true })
  })
  it('accepts either secret while a rotated one is still valid', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], t, body)
    expect(verifySignature(header, body, 'whsec_old', now).ok).toBe(true)
    expect(verifySignature(header, body, 'whsec_new', now).ok).toBe(true)
  })
  it.each([
    [undefined, body, 'no Switchboard-Signature header'],
    [`v1=abc`, body, 'no timestamp in the signature header'],
    [`t=${t}`, body, 'no v1 signature in the header'],
    [signatureHeader(['whsec_a'], t - 301, body), body, 'timestamp outside the tolerance'],
    [signatureHeader(['whsec_a'], t, body), body + ' ', 'no signature matches the secret'],
    [signatureHeader(['whsec_b'], t, body), body, 'no signature matches the secret'],
  ])('refuses %s with the reason', (header, payload, reason) => {
    expect(verifySignature(header, payload, 'whsec_a', now)).toEqual({ ok: false, reason })
  })
})

describe('private addresses (SSRF)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1'])(
    '%s is private',
    (ip) => expect(isPrivateAddress(ip)).toBe(true),
  )
  it.each(['8.8.8.8', '172.32.0.1', '2606:4700::1111', 'example.com'])('%s is not', (ip) => expect(isPrivateAddress(ip)).toBe(false))
  it('knows local host names', () => {
    expect(isLocalHostname('localhost')).toBe(true)
    expect(isLocalHostname('api.localhost')).toBe(true)
    expect(isLocalHostname('example.com')).toBe(false)
  })
})
