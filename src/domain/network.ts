import { isIP } from 'node:net'

// Which addresses an outbound webhook may not reach unless the operator allows it (SSRF): loopback,
// private, link-local (cloud metadata lives there), carrier-grade NAT, unspecified and multicast.

function ipv4Private(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number)
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  )
}

export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase()
  const kind = isIP(ip)
  if (kind === 4) return ipv4Private(ip)
  if (kind === 6) {
    if (ip === '::' || ip === '::1') return true
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)
    if (mapped) return ipv4Private(mapped[1])
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(ip)
  }
  return false
}

export function isLocalHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')
}
