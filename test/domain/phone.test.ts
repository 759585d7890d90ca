import { describe, expect, it } from 'vitest'
import { normalizePhone, phoneFromWaId, waIdFromPhone } from '../../src/domain/phone.js'

describe('normalizePhone', () => {
  it.each([
    ['+1 415 555 2671', '+14155552671'],
    ['+44 (0)20 7946 0958'.replace('(0)', ''), '+442079460958'],
    ['0044 20 7946 0958', '+442079460958'],
    ['14155552671', '+14155552671'],
    ['+49-30-901820', '+4930901820'],
    ['tel:+33 1 42 68 53 00', '+33142685300'],
  ])('%s → %s', (input, e164) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164 })
  })

  it('uses a default country for national numbers', () => {
    expect(normalizePhone('(415) 555-2671', 'US')).toEqual({ ok: true, e164: '+14155552671' })
  })

  it.each([
    ['', /is empty/],
    ['call me', /contains letters/],
    ['415 555 2671', /no country code|not a possible/],
    ['+1 415', /not a possible number|not a phone number/],
    ['+999 1234567', /not a phone number|not a possible/],
    ['+44 20 7946', /not a possible number for country code \+44/],
  ])('refuses %j saying why', (input, why) => {
    const r = normalizePhone(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatch(why)
  })

  it('converts wa_id both ways', () => {
    expect(phoneFromWaId('14155552671')).toBe('+14155552671')
    expect(waIdFromPhone('+14155552671')).toBe('14155552671')
  })

  it('remembers answers per default country: the same text can be a number with one and not without', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' })
    expect(normalizePhone('020 7946 0958').ok).toBe(false)
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' })
  })
})
