import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ErrorEnvelope } from '../schemas.js'

// /openapi.json is generated from the route schemas. Every /v1 route gets its security requirement,
// its scope in the description, an operationId and the error responses it can return.

const ERRORS: Record<string, string> = {
  '400': 'Invalid request: every bad field is listed in error.details.fields.',
  '401': 'Missing, unknown or revoked API key.',
  '403': 'The key lacks the scope this operation needs.',
  '404': 'Not found (also for ids that belong to another business).',
  '409': 'Conflict (for example an Idempotency-Key reused with another body).',
  '413': 'Payload too large.',
  '415': 'Unsupported content type.',
  '422': 'Refused by a rule (for example the 24-hour window is closed).',
  '429': 'Rate limited; see the Retry-After header.',
  '500': 'Unexpected error; details.request_id identifies it in the logs.',
}

function operationId(method: string, url: string): string {
  const words = url
    .replace(/^\/(v1\/)?/, '')
    .split(/[/_-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? 'By' + w.slice(1).replace(/^./, (c) => c.toUpperCase()) : w))
  return [method.toLowerCase(), ...words].map((w, i) => (i === 0 ? w : w.replace(/^./, (c) => c.toUpperCase()))).join('')
}

export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    app.addSchema(ErrorEnvelope)
    app.addHook('onRoute', (route) => {
      const schema = (route.schema ??= {}) as Record<string, unknown>
      if (schema.hide) return
      const method = Array.isArray(route.method) ? route.method[0] : route.method
      schema.operationId ??= operationId(method, route.url)
      const cfg = route.config ?? {}
      if (!cfg.scope && !cfg.auth) schema.security ??= []
      if (!route.url.startsWith('/v1') && !route.url.startsWith('/api/')) return
      if (cfg.scope || cfg.auth) {
        schema.security ??= [{ bearerAuth: [] }, { apiKeyHeader: [] }]
        const note = cfg.scope ? `Requires scope \`${cfg.scope}\` (or \`admin\`).` : 'Requires any valid API key or inbox session.'
        schema.description = schema.description ? `${schema.description}\n\n${note}` : note
        ;(schema as Record<string, unknown>)['x-required-scope'] = cfg.scope ?? null
      }
      const response = ((schema.response as Record<string, unknown>) ??= {})
      const codes = ['400', '500']
      if (cfg.scope || cfg.auth) codes.push('401', '403', '429')
      if (route.url.includes('/:')) codes.push('404')
      if (cfg.idempotent) codes.push('409')
      if (['POST', 'PUT', 'PATCH'].includes(method)) codes.push('413', '415')
      for (const code of codes) {
        response[code] ??= { description: ERRORS[code], $ref: 'ErrorEnvelope#' }
      }
    })
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Switchboard API',
          version: '1.0.0',
          description:
            'Self-hosted WhatsApp Business messaging: numbers, contacts, conversations, messages, templates, broadcasts and webhooks.\n\n' +
            'Success responses are `{ "message": ..., "data": ... }`; lists add `next_page_token`. Errors are `{ "message": ..., "error": { "code", "details" } }`.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        servers: [{ url: '/' }],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer sb_…`' },
            apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
      },
      refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } })
    app.get('/openapi.json', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'switchboard-openapi' },
)
