import { describe, expect, it } from 'vitest'
import {
  SENDER_ACTIONS,
  SENDER_STATES,
  allowedTransitions,
  mayDelete,
  mayEdit,
  messagingVerdict,
  transition,
  type SenderAction,
  type SenderState,
} from '../../src/domain/sender-lifecycle.js'
import { canonicalBillingCategory, checkSender, type SenderInput } from '../../src/domain/sender.js'

// The whole table: anything not listed here must be refused.
const ALLOWED: Record<string, SenderState> = {
  'DRAFT submit': 'IN_REVIEW',
  'IN_REVIEW approve': 'IN_TEST',
  'IN_REVIEW reject': 'REJECTED',
  'IN_TEST launch': 'LAUNCHING',
  'LAUNCHING complete': 'LAUNCHED',
  'LAUNCHING fail': 'FAILED',
  'REJECTED submit': 'IN_REVIEW',
  'FAILED launch': 'LAUNCHING',
}

describe('sender lifecycle', () => {
  for (const state of SENDER_STATES) {
    for (const action of SENDER_ACTIONS) {
      const expected = ALLOWED[`${state} ${action}`]
      it(`${state} --${action}--> ${expected ?? 'refused'}`, () => {
        const r = transition(state, action as SenderAction)
        if (expected) expect(r).toEqual({ ok: true, to: expected })
        else {
          expect(r.ok).toBe(false)
          // The refusal lists exactly the transitions that are allowed from this state.
          const listed = Object.entries(ALLOWED)
            .filter(([k]) => k.startsWith(`${state} `))
            .map(([k, to]) => ({ action: k.split(' ')[1], to }))
          expect(r.ok === false && r.allowed).toEqual(expect.arrayContaining(listed))
          expect(r.ok === false && r.allowed.length).toBe(listed.length)
        }
      })
    }
  }

  it('LAUNCHED is final', () => {
    expect(allowedTransitions('LAUNCHED')).toEqual([])
  })

  it('edits only in DRAFT and REJECTED; deletes in anything but LAUNCHING and LAUNCHED', () => {
    expect(SENDER_STATES.filter(mayEdit)).toEqual(['DRAFT', 'REJECTED'])
    expect(SENDER_STATES.filter((s) => !mayDelete(s))).toEqual(['LAUNCHING', 'LAUNCHED'])
  })

  it('before launch only test numbers may be messaged; after, anyone', () => {
    const tests = ['+14155550100']
    expect(messagingVerdict('LAUNCHED', false, tests, '+4915112345678')).toEqual({ ok: true })
    for (const s of ['IN_TEST', 'LAUNCHING', 'FAILED'] as const) {
      expect(messagingVerdict(s, false, tests, '+14155550100')).toEqual({ ok: true })
      expect(messagingVerdict(s, false, tests, '+4915112345678')).toMatchObject({ ok: false, code: 'sender_test_recipient_only' })
    }
    for (const s of ['DRAFT', 'IN_REVIEW', 'REJECTED'] as const) {
      expect(messagingVerdict(s, false, tests, '+14155550100')).toMatchObject({ ok: false, code: 'sender_not_launched' })
    }
    expect(messagingVerdict('IN_TEST', true, tests, '+14155550100')).toMatchObject({ ok: false, code: 'sender_not_launched' })
  })
})

const valid = (): SenderInput => ({
  displayName: 'Acme',
  phone: '+1 (415) 555-0199',
  region: 'US',
  billingCategory: 'CONVERSATIONAL',
  useCase: 'OTP',
  details: { brand: { name: 'Acme' } },
})

describe('sender validation', () => {
  it('normalises a valid sender', () => {
    const c = checkSender({
      ...valid(),
      details: {
        brand: { name: ' Acme ', color: '#abcdef', phones: [{ label: 'x', number: '00 44 20 7946 0958' }], emails: [{ label: 'a', address: 'Hi@Example.com' }] },
        countries: ['de', 'US'],
        testNumbers: ['+1 415 555 0100'],
      },
    })
    expect(c.problems).toEqual([])
    expect(c.value.phone).toBe('+14155550199')
    expect(c.value.details.brand).toMatchObject({ name: 'Acme', color: '#ABCDEF', phones: [{ label: 'x', number: '+442079460958' }], emails: [{ label: 'a', address: 'hi@example.com' }] })
    expect(c.value.details.countries).toEqual(['DE', 'US'])
    expect(c.value.details.testNumbers).toEqual(['+14155550100'])
  })

  it('names every bad field by its path', () => {
    const c = checkSender({
      ...valid(),
      phone: '555-0199',
      displayName: '   ',
      details: {
        brand: {
          name: 'Acme',
          emails: [{ label: 'ok', address: 'ok@example.com' }, { label: 'bad', address: 'not-an-email' }],
          phones: [{ label: 'bad', number: '12' }],
          websites: [{ label: 'bad', url: 'ftp://example.com' }],
          color: 'red',
          logoUrl: 'example.com/logo.png',
        },
        testNumbers: ['nope', '+14155550100', '+1 415 555 0100'],
        countries: ['US', 'XX', 'us'],
      },
    })
    expect(c.problems.map((p) => p.field)).toEqual([
      'display_name',
      'phone',
      'details.brand.emails[1].address',
      'details.brand.phones[0].number',
      'details.brand.websites[0].url',
      'details.brand.color',
      'details.brand.logo_url',
      'details.test_numbers[0]',
      'details.test_numbers[2]',
      'details.countries[1]',
      'details.countries[2]',
    ])
    for (const p of c.problems) expect(p.problem.length).toBeGreaterThan(5)
  })

  it('maps the deprecated billing categories, with a warning', () => {
    expect(canonicalBillingCategory('SINGLE_MESSAGE')).toMatchObject({ category: 'NON_CONVERSATIONAL' })
    expect(canonicalBillingCategory('BASIC_MESSAGE')).toMatchObject({ category: 'NON_CONVERSATIONAL' })
    expect(canonicalBillingCategory('CONVERSATIONAL_LEGACY')).toMatchObject({ category: 'CONVERSATIONAL' })
    expect(canonicalBillingCategory('CONVERSATIONAL')).toEqual({ category: 'CONVERSATIONAL', warning: null })
    expect(canonicalBillingCategory('NOPE')).toBeNull()
    expect(checkSender({ ...valid(), billingCategory: 'BASIC_MESSAGE' }).warnings[0]).toMatch(/BASIC_MESSAGE is deprecated.*NON_CONVERSATIONAL/)
  })
})
