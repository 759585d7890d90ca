import { describe, expect, it } from 'vitest'
import { checkContent } from '../../src/domain/outbound.js'
import {
  checkSendVariables, checkTemplateDraft, parameterFormatOf, parseVariables, renderPreview, renderText, sanitizeVariableValue, type TemplateDraft,
} from '../../src/domain/templates.js'
import { retryDelayMs } from '../../src/services/dispatch.js'

describe('parseVariables', () => {
  it.each([
    ['Hi {{first_name}}, order {{order_id}} ships {{ day }}', ['first_name', 'order_id', 'day']],
    ['{{1}} and {{2}} and {{1}} again', ['1', '2']],
    ['no variables here', []],
    ['broken {{ first name }} {{}}', ['']],
    ['', []],
  ])('%s → %j', (text, vars) => expect(parseVariables(text)).toEqual(vars))

  it.each([
    [['first_name'], 'named'],
    [['1', '2'], 'positional'],
    [[], 'named'],
    [['1', 'name'], 'named'],
  ] as const)('format of %j is %s', (vars, f) => expect(parameterFormatOf(vars)).toBe(f))
})

const ok: TemplateDraft = {
  name: 'order_shipped',
  language: 'en_US',
  category: 'UTILITY',
  body: 'Hi {{first_name}}, your order {{order_id}} has shipped.',
  examples: { first_name: 'Ana', order_id: 'A-1001' },
}

describe('checkTemplateDraft', () => {
  it('accepts a valid definition', () => expect(checkTemplateDraft(ok)).toEqual([]))
  it.each<[string, Partial<TemplateDraft>, Array<{ field: string; problem: string }>]>([
    ['a bad name', { name: 'Order Shipped!' }, [{ field: 'name', problem: 'must be 1–512 characters of lowercase letters, digits and underscores (e.g. order_shipped)' }]],
    ['a 513-character name', { name: 'a'.repeat(513) }, [{ field: 'name', problem: 'must be 1–512 characters of lowercase letters, digits and underscores (e.g. order_shipped)' }]],
    ['an unknown category', { category: 'PROMO' }, [{ field: 'category', problem: 'must be one of MARKETING, UTILITY, AUTHENTICATION' }]],
    ['a body over 1024', { body: `Hi {{first_name}} {{order_id}} ${'x'.repeat(1020)}` }, [{ field: 'body', problem: 'must be at most 1024 characters (it has 1051)' }]],
    ['a missing example', { examples: { first_name: 'Ana' } }, [{ field: 'examples.order_id', problem: "is required: give an example value for {{order_id}} for Meta's review" }]],
    ['an example for no variable', { examples: { first_name: 'Ana', order_id: '1', coupon: 'X' } }, [{ field: 'examples.coupon', problem: 'is not a variable of the header or body; remove it' }]],
    ['a body that starts with a variable', { body: '{{first_name}}, order {{order_id}} shipped.' }, [{ field: 'body', problem: 'must not start or end with a variable; add some text around it' }]],
    ['an upper-case variable', { body: 'Hi {{First}} and {{order_id}}.', examples: { First: 'A', order_id: '1' } }, [
      { field: 'body', problem: 'variable {{First}} must be lowercase letters, digits and underscores, like {{first_name}} (do not mix named and numbered variables)' },
    ]],
    ['numbered variables out of order', { body: 'Hi {{2}} and {{1}}.', examples: { '1': 'a', '2': 'b' } }, [
      { field: 'body', problem: 'numbered variables must run {{1}}, {{2}}, … in order; found {{2}} in position 1' },
      { field: 'body', problem: 'numbered variables must run {{1}}, {{2}}, … in order; found {{1}} in position 2' },
    ]],
    ['a long header with two variables', { header: { format: 'text', text: `{{a}} {{b}} ${'h'.repeat(60)}` }, examples: { first_name: 'A', order_id: '1', a: 'x', b: 'y' } }, [
      { field: 'header.text', problem: 'must be at most 60 characters' },
      { field: 'header.text', problem: 'may hold at most 1 variable' },
    ]],
    ['a footer with a variable', { footer: 'Bye {{first_name}}' }, [{ field: 'footer', problem: 'must not hold variables' }]],
    ['buttons over Meta’s limits', {
      buttons: [
        { type: 'quick_reply', text: 'A quick reply label that is too long' },
        { type: 'url', text: 'Track', url: 'ftp://x' },
        { type: 'phone_number', text: 'Call', phoneNumber: '555' },
        { type: 'copy_code', example: 'CODE-THAT-IS-TOO-LONG' },
      ],
    }, [
      { field: 'buttons[0].text', problem: 'must be 1–25 characters' },
      { field: 'buttons[1].url', problem: 'must be an http(s) URL of at most 2000 characters' },
      { field: 'buttons[2].phone_number', problem: 'must be in international format such as +14155550123 (at most 20 characters)' },
      { field: 'buttons[3].example', problem: 'must be 1–15 characters' },
    ]],
  ])('refuses %s', (_what, patch, problems) => expect(checkTemplateDraft({ ...ok, ...patch })).toEqual(problems))
})

describe('send-time variables', () => {
  it.each<[string, Record<string, unknown>, Array<{ field: string; problem: string }>]>([
    ['all given', { first_name: 'Ana', order_id: 7 }, []],
    ['one missing', { first_name: 'Ana' }, [{ field: 'variables.order_id', problem: 'is missing' }]],
    ['one unknown', { first_name: 'Ana', order_id: '7', coupon: 'X' }, [{ field: 'variables.coupon', problem: 'is not a variable of this template' }]],
    ['empty after trimming', { first_name: '  ', order_id: '7' }, [{ field: 'variables.first_name', problem: 'must not be empty' }]],
    ['an object', { first_name: { a: 1 }, order_id: '7' }, [{ field: 'variables.first_name', problem: 'must be a string or a number' }]],
    ['none at all', {}, [{ field: 'variables.first_name', problem: 'is missing' }, { field: 'variables.order_id', problem: 'is missing' }]],
  ])('%s', (_w, given, problems) => expect(checkSendVariables(['first_name', 'order_id'], given).problems).toEqual(problems))

  it('sanitises what Meta refuses in parameters (newlines, tabs, long runs of spaces)', () => {
    expect(sanitizeVariableValue(' line one\nline\ttwo      end ')).toBe('line one line two   end')
    expect(checkSendVariables(['a'], { a: 'x\ny' }).values).toEqual({ a: 'x y' })
  })

  it('renders the preview a person reads', () => {
    expect(renderText('Hi {{first_name}}, {{ order_id }} / {{unknown}}', { first_name: 'Ana', order_id: 'A1' })).toBe('Hi Ana, A1 / {{unknown}}')
    expect(renderPreview({ headerText: 'Order {{order_id}}', body: 'Hi {{first_name}}!', footer: 'Acme' }, { first_name: 'Ana', order_id: 'A1' })).toBe('Order A1\n\nHi Ana!\n\nAcme')
    expect(renderPreview({ body: 'Code {{1}}.' }, { '1': '123' })).toBe('Code 123.')
  })
})

describe('free-form content limits', () => {
  it.each([
    [{ kind: 'text' as const, text: 'x'.repeat(4096) }, []],
    [{ kind: 'text' as const, text: 'x'.repeat(4097) }, [{ field: 'text', problem: 'must be 1–4096 characters' }]],
    [{ kind: 'image' as const, link: 'https://e.com/a.png', mediaId: 'm1' }, [{ field: 'image', problem: 'must have exactly one of link or media_id' }]],
    [{ kind: 'document' as const, mediaId: 'm1', filename: 'a.pdf', caption: 'c'.repeat(1025) }, [{ field: 'document.caption', problem: 'must be at most 1024 characters' }]],
    [{ kind: 'reaction' as const, messageId: 'x', emoji: '👍🏽' }, []],
    [{ kind: 'reaction' as const, messageId: 'x', emoji: '👍👍' }, [{ field: 'reaction.emoji', problem: 'must be a single emoji, or empty to remove the reaction' }]],
    [{ kind: 'list' as const, body: 'b', buttonText: 'Open', sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: 'T' })) }] }, [
      { field: 'interactive.sections', problem: 'must hold 1–10 rows in total (found 11)' },
    ]],
    [{ kind: 'list' as const, body: 'b', buttonText: 'Open', sections: [{ rows: [{ id: 'a', title: 'A' }] }, { rows: [{ id: 'a', title: 'B', description: 'd'.repeat(73) }] }] }, [
      { field: 'interactive.sections[0].title', problem: 'is required when there is more than one section' },
      { field: 'interactive.sections[1].title', problem: 'is required when there is more than one section' },
      { field: 'interactive.sections[1].rows[0].id', problem: 'must be unique across sections' },
      { field: 'interactive.sections[1].rows[0].description', problem: 'must be at most 72 characters' },
    ]],
  ])('%j', (c, problems) => expect(checkContent(c)).toEqual(problems))
})

describe('retry backoff', () => {
  it('grows exponentially with jitter, is capped, and never undercuts the provider’s hint', () => {
    expect(retryDelayMs(1, null, () => 0)).toBe(500)
    expect(retryDelayMs(1, null, () => 1)).toBe(1000)
    expect(retryDelayMs(4, null, () => 1)).toBe(8000)
    expect(retryDelayMs(30, null, () => 1)).toBe(300_000)
    expect(retryDelayMs(1, 5000, () => 0)).toBe(5000)
    expect(retryDelayMs(1, 5000, () => 1)).toBe(6250)
    expect(retryDelayMs(10, 5000, () => 0)).toBe(150_000)
  })
})
