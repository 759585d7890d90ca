import { expect, test } from 'vitest'
import { checkHeader, readCsvRow, splitTags } from '../../src/domain/contact-csv.js'
import type { FieldDef } from '../../src/domain/custom-fields.js'

const fields = new Map<string, FieldDef>([['visits', { key: 'visits', type: 'number', options: null }]])

test('the header needs phone and only known columns', () => {
  expect(checkHeader(['phone', 'name', 'tags', 'visits'], fields)).toEqual([])
  expect(checkHeader(['name', 'shoe', 'name'], fields)).toEqual([
    { field: 'phone', problem: 'column is missing; the first line must name the columns and include phone' },
    { field: 'shoe', problem: 'column is neither a contact column nor a custom field key; create the field first or remove the column' },
    { field: 'name', problem: 'column appears twice' },
  ])
})

test('a row becomes a contact with a normalised phone, or every problem with its column', () => {
  expect(readCsvRow(2, { phone: '+1 415 555 0123', name: ' Ana ', email: '', tags: 'a; b;a;', visits: '3' }, fields)).toEqual({
    ok: true,
    contact: { phone: '+14155550123', name: 'Ana', firstName: undefined, lastName: undefined, language: undefined, tags: ['a', 'b'], fields: { visits: 3 } },
  })
  expect(readCsvRow(7, { phone: '415', email: 'x@', visits: 'many' }, fields)).toEqual({
    ok: false,
    problems: [
      { row: 7, column: 'phone', problem: 'phone has no country code; start it with + and the country code, such as +14155550123' },
      { row: 7, column: 'email', problem: 'is not an email address' },
      { row: 7, column: 'visits', problem: 'must be a number (field type number)' },
    ],
  })
})

test('tags are split on ";" and de-duplicated', () => {
  expect(splitTags(' vip ;lead;;vip')).toEqual(['vip', 'lead'])
})
