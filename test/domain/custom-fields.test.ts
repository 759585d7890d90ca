import { expect, test } from 'vitest'
import { checkFieldDef, checkFieldValue, checkFieldValues, fieldText, normaliseDate, parseFieldText, type FieldDef } from '../../src/domain/custom-fields.js'

const num: FieldDef = { key: 'visits', type: 'number', options: null }
const bool: FieldDef = { key: 'vip', type: 'boolean', options: null }
const date: FieldDef = { key: 'since', type: 'date', options: null }
const str: FieldDef = { key: 'city', type: 'string', options: null }
const plan: FieldDef = { key: 'plan', type: 'enum', options: ['free', 'pro'] }

test('JSON values must already have the field’s type', () => {
  expect(checkFieldValue(num, 3.5)).toEqual({ ok: true, value: 3.5 })
  expect(checkFieldValue(num, '3')).toEqual({ ok: false, problem: 'must be a number (field type number)' })
  expect(checkFieldValue(num, Number.NaN).ok).toBe(false)
  expect(checkFieldValue(bool, false)).toEqual({ ok: true, value: false })
  expect(checkFieldValue(bool, 'true').ok).toBe(false)
  expect(checkFieldValue(str, 'x'.repeat(1001))).toEqual({ ok: false, problem: 'must be a string of at most 1000 characters (field type string)' })
  expect(checkFieldValue(plan, 'pro')).toEqual({ ok: true, value: 'pro' })
  expect(checkFieldValue(plan, 'Pro')).toEqual({ ok: false, problem: 'must be one of "free", "pro" (field type enum)' })
})

test('dates: calendar dates stay as they are, date-times become UTC, impossible dates are refused', () => {
  expect(normaliseDate('2024-02-29')).toBe('2024-02-29')
  expect(normaliseDate('2023-02-29')).toBeNull()
  expect(normaliseDate('2024-13-01')).toBeNull()
  expect(normaliseDate('2024-06-01T12:00+02:00')).toBe('2024-06-01T10:00:00.000Z')
  expect(normaliseDate('2024-06-01 12:00')).toBeNull()
  expect(normaliseDate('yesterday')).toBeNull()
  expect(checkFieldValue(date, '2024-06-01T10:00:00Z')).toEqual({ ok: true, value: '2024-06-01T10:00:00.000Z' })
})

test('text (CSV cells, query strings) is read as the field’s type and written back unchanged', () => {
  expect(parseFieldText(num, ' 12.5 ')).toEqual({ ok: true, value: 12.5 })
  expect(parseFieldText(num, '')).toEqual({ ok: false, problem: 'must be a number (field type number)' })
  expect(parseFieldText(num, '1e3')).toEqual({ ok: true, value: 1000 })
  for (const [t, v] of [['true', true], ['Yes', true], ['1', true], ['false', false], ['no', false], ['0', false]] as const) {
    expect(parseFieldText(bool, t)).toEqual({ ok: true, value: v })
  }
  expect(parseFieldText(bool, 'maybe').ok).toBe(false)
  for (const [def, value] of [[num, 12.5], [num, -3], [bool, true], [date, '2024-06-01'], [str, 'Zoë, "Q"'], [plan, 'free']] as const) {
    expect(parseFieldText(def, fieldText(value))).toEqual({ ok: true, value })
  }
  expect(fieldText(undefined)).toBe('')
})

test('a map of values: every problem names the field; null removes', () => {
  const defs = new Map([num, plan].map((d) => [d.key, d]))
  expect(checkFieldValues(defs, { visits: 2, plan: null })).toEqual({ values: { visits: 2, plan: null }, problems: [] })
  expect(checkFieldValues(defs, { visits: 'x', shoe: 1 }).problems).toEqual([
    { field: 'fields.visits', problem: 'must be a number (field type number)' },
    { field: 'fields.shoe', problem: 'is not a custom field of this business; create it first with POST /v1/contact-fields' },
  ])
})

test('field definitions: key shape, known type, enum options', () => {
  expect(checkFieldDef({ key: 'plan_tier', type: 'enum', options: ['a'] })).toEqual([])
  expect(checkFieldDef({ key: 'a'.repeat(64), type: 'string' })).toEqual([])
  expect(checkFieldDef({ key: 'a'.repeat(65), type: 'string' }).map((p) => p.field)).toEqual(['key'])
  expect(checkFieldDef({ key: '1abc', type: 'string' }).map((p) => p.field)).toEqual(['key'])
  expect(checkFieldDef({ key: 'x', type: 'enum', options: ['a', 'a', ' '] }).map((p) => p.problem)).toEqual([
    'must not repeat an option',
    'must each be 1 to 100 characters',
  ])
})
