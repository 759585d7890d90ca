import { describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { buildMessageBody, buildReadReceipt } from '../../src/providers/cloud/payloads.js'
import { buildTemplateCreateBody } from '../../src/providers/cloud/templates.js'
import type { OutboundPayload, TemplateDefinition } from '../../src/providers/port.js'
import { EVERY_KIND, FIXTURE_TO } from './fixtures.js'
import { ValidationError } from '../../src/domain/errors.js'
import { validateMetaRequest, validateMetaSchema } from '../helpers/meta-spec.js'

const MESSAGES = '/{Version}/{Phone-Number-ID}/messages'
const TEMPLATES = '/{Version}/{WABA-ID}/message_templates'
const to = FIXTURE_TO

describe('outbound payload builders', () => {
  for (const [name, payload] of EVERY_KIND) {
    test(`${name}: accepted by the spec`, () => {
      const body = buildMessageBody(payload)
      assert.deepEqual(validateMetaRequest('POST', MESSAGES, body), [], JSON.stringify(body))
      assert.equal(body.to, to)
      assert.equal(body.messaging_product, 'whatsapp')
    })
  }

  test('the reply context carries the quoted wamid', () => {
    const body = buildMessageBody({ kind: 'text', to, text: 'x', replyToWamid: 'wamid.Q' })
    assert.deepEqual(body.context, { message_id: 'wamid.Q' })
  })

  test('named template parameters keep their names; positional ones have none', () => {
    const [, named] = EVERY_KIND[3]
    const body = buildMessageBody(named) as { template: { components: Array<{ type: string; parameters: Array<Record<string, unknown>> }> } }
    const bodyParams = body.template.components.find((c) => c.type === 'body')?.parameters ?? []
    assert.deepEqual(bodyParams.map((p) => p.parameter_name), ['first_name', 'total', 'when'])
    const copy = body.template.components.find((c) => (c as Record<string, unknown>).sub_type === 'copy_code')
    assert.deepEqual(copy?.parameters, [{ type: 'coupon_code', coupon_code: 'SAVE25' }])
  })

  test('Meta limits are enforced before the network, each field listed', () => {
    const tooMany: OutboundPayload = { kind: 'buttons', to, body: 'x', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `Button ${i}` })) }
    const longTitle: OutboundPayload = { kind: 'buttons', to, body: 'x', buttons: [{ id: 'a', title: 'This title is far too long' }] }
    const rows: OutboundPayload = { kind: 'list', to, body: 'x', buttonText: 'Go', sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }] }
    const untitled: OutboundPayload = { kind: 'list', to, body: 'x', buttonText: 'Go', sections: [{ rows: [{ id: 'a', title: 'A' }] }, { rows: [{ id: 'b', title: 'B' }] }] }
    const mixed: OutboundPayload = { kind: 'template', to, name: 't', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', text: 'a', parameterName: 'x' }, { type: 'text', text: 'b' }] }] }
    const cases: Array<[OutboundPayload, string]> = [
      [tooMany, 'buttons'], [longTitle, 'buttons[0].title'], [rows, 'sections'], [untitled, 'sections[0].title'],
      [mixed, 'components[0].parameters'], [{ kind: 'text', to, text: '' }, 'text'], [{ kind: 'text', to, text: 'x'.repeat(4097) }, 'text'],
      [{ kind: 'image', to, media: { link: 'ftp://x' } }, 'media.link'], [{ kind: 'location', to, latitude: 91, longitude: 0 }, 'latitude'],
    ]
    for (const [payload, field] of cases) {
      assert.throws(() => buildMessageBody(payload), (err: unknown) => {
        assert.ok(err instanceof ValidationError)
        assert.equal(err.code, 'invalid_payload')
        const fields = (err.details.fields as Array<{ field: string }>).map((f) => f.field)
        assert.ok(fields.includes(field), `${field} in ${fields.join(',')}`)
        return true
      })
    }
  })

  test('the read receipt matches the spec', () => {
    assert.deepEqual(validateMetaSchema('MarkMessageRequestPayload', buildReadReceipt('wamid.A')), [])
  })
})

describe('template creation bodies', () => {
  const defs: Array<[string, TemplateDefinition]> = [
    ['positional with every component', {
      name: 'seasonal_promo', language: 'en', category: 'MARKETING',
      components: [
        { type: 'header', format: 'text', text: 'Our {{1}} is on!', examples: { positional: ['Summer Sale'] } },
        { type: 'body', text: 'Shop through {{1}} with code {{2}}', examples: { positional: ['August', '25OFF'] } },
        { type: 'footer', text: 'Reply STOP to opt out' },
        { type: 'buttons', buttons: [{ type: 'quick_reply', text: 'Stop' }, { type: 'url', text: 'Shop', url: 'https://x.example/{{1}}', example: 'summer' }, { type: 'phone_number', text: 'Call', phoneNumber: '+16505551234' }] },
      ],
    }],
    ['named', {
      name: 'order_ready', language: 'en_US', category: 'UTILITY', parameterFormat: 'named',
      components: [{ type: 'body', text: 'Hi {{first_name}}, order {{order_id}} is ready', examples: { named: [{ name: 'first_name', example: 'Ada' }, { name: 'order_id', example: '42' }] } }],
    }],
    ['image header and copy code', {
      name: 'coupon', language: 'en', category: 'MARKETING', allowCategoryChange: true,
      components: [{ type: 'header', format: 'image', exampleHandle: '4::aW1h' }, { type: 'body', text: 'Your code' }, { type: 'buttons', buttons: [{ type: 'copy_code', example: 'SAVE25' }] }],
    }],
  ]
  for (const [name, def] of defs) {
    test(`${name}: accepted by the spec`, () => {
      const body = buildTemplateCreateBody(def)
      assert.deepEqual(validateMetaRequest('POST', TEMPLATES, body), [], JSON.stringify(body))
    })
  }

  test('named examples and positional examples use Meta’s two shapes', () => {
    const named = buildTemplateCreateBody(defs[1][1]) as { parameter_format: string; components: Array<{ example: unknown }> }
    assert.equal(named.parameter_format, 'NAMED')
    assert.deepEqual(named.components[0].example, { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }, { param_name: 'order_id', example: '42' }] })
    const positional = buildTemplateCreateBody(defs[0][1]) as { components: Array<{ example?: unknown }> }
    assert.deepEqual(positional.components[0].example, { header_text: ['Summer Sale'] })
    assert.deepEqual(positional.components[1].example, { body_text: [['August', '25OFF']] })
  })
})
