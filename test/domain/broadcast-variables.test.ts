import { describe, expect, it } from 'vitest'
import { compileVariables, resolveVariables, type RecipientValues } from '../../src/domain/broadcast-variables.js'

const contact = (over: Partial<RecipientValues> = {}): RecipientValues => ({
  name: 'Ana Silva', first_name: 'Ana', last_name: 'Silva', phone: '+14155552671', email: null, language: null, fields: { plan_tier: 'premium' }, ...over,
})

describe('broadcast variables', () => {
  const fields = new Set(['plan_tier'])
  it('fills literals and contact values, with defaults', () => {
    const { compiled, problems } = compileVariables(
      ['first_name', 'tier', 'code'],
      { first_name: { value: '{{contact.first_name}}', default: 'there' }, tier: '{{contact.fields.plan_tier}}', code: 'SUMMER' },
      fields,
    )
    expect(problems).toEqual([])
    expect(resolveVariables(compiled, contact())).toEqual({ values: { first_name: 'Ana', tier: 'premium', code: 'SUMMER' } })
    expect(resolveVariables(compiled, contact({ first_name: null }))).toEqual({ values: { first_name: 'there', tier: 'premium', code: 'SUMMER' } })
    expect(resolveVariables(compiled, contact({ fields: {} }))).toEqual({ missing: ['tier'] })
  })
  it('accepts a custom field key directly', () => {
    const { compiled } = compileVariables(['tier'], { tier: '{{contact.plan_tier}}' }, fields)
    expect(resolveVariables(compiled, contact())).toEqual({ values: { tier: 'premium' } })
  })
  it('lists every problem: missing, unknown, bad references', () => {
    const { problems } = compileVariables(['a', 'b', 'c'], { a: '{{contact.nope}}', c: 'x {{contact.name}}', z: 'y' }, fields)
    expect(problems.map((p) => p.field).sort()).toEqual(['variables.a', 'variables.b', 'variables.c', 'variables.z'])
    expect(problems.find((p) => p.field === 'variables.b')?.problem).toMatch(/is required/)
  })
})
