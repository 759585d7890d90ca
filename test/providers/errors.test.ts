import { describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { classifyMetaError, classifyStatusError, failureFromResponse, META_ERROR_TABLE, unavailableError } from '../../src/providers/cloud/errors.js'
import { ProviderError } from '../../src/domain/errors.js'

const TABLE: Array<[number, string, boolean]> = [
  [131047, 'window_closed', false],
  [130429, 'provider_rate_limited', true],
  [131056, 'provider_rate_limited', true],
  [131048, 'provider_rate_limited', true],
  [4, 'provider_rate_limited', true],
  [80007, 'provider_rate_limited', true],
  [132000, 'template_param_mismatch', false],
  [132001, 'template_not_found', false],
  [132012, 'template_param_format', false],
  [132015, 'template_paused', false],
  [132016, 'template_disabled', false],
  [131026, 'undeliverable', false],
  [190, 'invalid_token', false],
]

function metaBody(code: number, message = `Meta message for ${code}`) {
  return { error: { message, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: `details ${code}` }, fbtrace_id: 'Atrace' } }
}

describe('Meta error classification', () => {
  for (const [metaCode, code, retryable] of TABLE) {
    test(`${metaCode} → ${code}${retryable ? ' (retryable)' : ''}`, () => {
      // The HTTP status must not matter: Meta sends most refusals as 400, some as 401/403/429/500.
      for (const status of [400, 401, 429, 500]) {
        const err = classifyMetaError(failureFromResponse(status, metaBody(metaCode), null))
        assert.ok(err instanceof ProviderError)
        assert.equal(err.code, code)
        assert.equal(err.retryable, retryable)
        assert.equal(err.providerCode, metaCode)
        assert.match(err.message, new RegExp(`Meta message for ${metaCode}`))
        assert.equal(err.details.provider_message, `Meta message for ${metaCode}`)
        assert.equal(err.details.provider_details, `details ${metaCode}`)
        assert.equal(err.details.fbtrace_id, 'Atrace')
        if (retryable) assert.ok((err.retryAfterMs ?? 0) > 0, 'rate limits carry a backoff hint')
        else assert.equal(err.retryAfterMs, null)
      }
    })
  }

  test('the table covers exactly the codes above (plus 2, documented as transient)', () => {
    assert.deepEqual(Object.keys(META_ERROR_TABLE).map(Number).sort((a, b) => a - b), [...TABLE.map(([c]) => c), 2].sort((a, b) => a - b))
  })

  test("only 130429 says the number's throughput meter was full (the dispatcher retries those at once)", () => {
    for (const [code] of TABLE) {
      assert.equal(classifyMetaError(failureFromResponse(400, metaBody(code), null)).throughputFull, code === 130429, `code ${code}`)
    }
  })

  test('Retry-After from Meta wins over the default hint', () => {
    const err = classifyMetaError(failureFromResponse(429, metaBody(130429), '7'))
    assert.equal(err.retryAfterMs, 7000)
  })

  test('an unknown code is kept verbatim and not retried', () => {
    const err = classifyMetaError(failureFromResponse(400, metaBody(131009, '(#131009) Parameter value is not valid'), null))
    assert.equal(err.code, 'provider_error')
    assert.equal(err.retryable, false)
    assert.equal(err.providerCode, 131009)
    assert.match(err.message, /\(#131009\) Parameter value is not valid/)
    assert.deepEqual(err.details, {
      provider_code: 131009, provider_message: '(#131009) Parameter value is not valid', provider_details: 'details 131009', fbtrace_id: 'Atrace', http_status: 400,
    })
  })

  test('HTTP 5xx without a known code, or with no JSON at all, is retryable unavailability', () => {
    for (const body of [metaBody(131000), undefined, { weird: true }]) {
      const err = classifyMetaError(failureFromResponse(503, body, null))
      assert.equal(err.code, 'provider_unavailable')
      assert.equal(err.retryable, true)
    }
    const html = classifyMetaError(failureFromResponse(400, undefined, null))
    assert.equal(html.code, 'provider_error', 'a 4xx without a Meta code is not retried')
  })

  test('timeouts and network errors are retryable unavailability', () => {
    const t = unavailableError('timeout', 'deadline exceeded', 100)
    assert.equal(t.code, 'provider_unavailable')
    assert.equal(t.retryable, true)
    assert.equal(t.details.reason, 'timeout')
    const n = unavailableError('network', 'ECONNREFUSED')
    assert.equal(n.retryable, true)
    assert.equal(n.details.cause, 'ECONNREFUSED')
  })

  test('failed-status webhook errors use the same table', () => {
    const closed = classifyStatusError({ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', details: 'More than 24 hours' })
    assert.equal(closed.code, 'window_closed')
    assert.equal(closed.retryable, false)
    assert.equal(closed.details.http_status, undefined)
    assert.equal(classifyStatusError({ code: 131026, title: 'Message undeliverable', message: null, details: null }).code, 'undeliverable')
    assert.equal(classifyStatusError({ code: 130429, title: 'Rate limit hit', message: null, details: null }).retryable, true)
    const unknown = classifyStatusError({ code: 131053, title: 'Media upload error', message: 'Media upload error', details: 'bad mime' })
    assert.equal(unknown.code, 'provider_error')
    assert.equal(unknown.providerCode, 131053)
    assert.equal(classifyStatusError({ code: null, title: null, message: null, details: null }).code, 'provider_error')
  })
})
