// Shared bits of the sender tests: a valid body, and polling until a sender reaches a state.
import type { TestApp } from '../helpers/harness.js'

let seq = 0
/** A valid US number in the fictional 555-01xx range, distinct per call within this process. */
export function uniquePhone(): string {
  const n = seq++
  const areas = ['206', '303', '404', '503', '602', '713', '808', '919']
  return `+1${areas[Math.floor(n / 100) % areas.length]}55501${String(n % 100).padStart(2, '0')}`
}

export function senderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    display_name: 'Acme Support',
    phone: uniquePhone(),
    region: 'EU',
    billing_category: 'CONVERSATIONAL',
    use_case: 'TRANSACTIONAL',
    details: {
      brand: {
        name: 'Acme',
        description: 'Anvils and rockets',
        emails: [{ label: 'Support', address: 'support@acme.example.com' }],
        phones: [{ label: 'Hotline', number: '+14155550123' }],
        websites: [{ label: 'Home', url: 'https://acme.example.com' }],
        color: '#1a2b3c',
        logo_url: 'https://acme.example.com/logo.png',
        banner_url: 'https://acme.example.com/banner.png',
        privacy_policy_url: 'https://acme.example.com/privacy',
        terms_of_service_url: 'https://acme.example.com/terms',
      },
      test_numbers: ['+14155550100'],
      countries: ['US', 'de'],
      questionnaire: { monthly_volume: 10000, opt_in: 'website form' },
    },
    ...overrides,
  }
}

/** Polls the sender until `done` holds (review and launch run in the job); fails after `ms`. */
export async function waitForSender(t: TestApp, key: string, id: string, done: (s: { state: string }) => boolean, ms = 10_000): Promise<any> {
  const deadline = Date.now() + ms
  for (;;) {
    const res = await t.request('GET', `/v1/senders/${id}`, { key })
    if (res.status !== 200) throw new Error(`GET sender ${id}: ${res.status} ${JSON.stringify(res.body)}`)
    if (done(res.body.data)) return res.body.data
    if (Date.now() > deadline) throw new Error(`sender ${id} stuck in ${res.body.data.state}: ${JSON.stringify(res.body.data.state_reasons)}`)
    await new Promise((r) => setTimeout(r, 15))
  }
}

export const inState = (...states: string[]) => (s: { state: string }) => states.includes(s.state)
