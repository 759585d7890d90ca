import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { SCOPES } from '../../src/domain/scopes.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

const run = promisify(execFile)

interface Operation {
  security?: unknown[]
  'x-required-scope'?: string | null
  responses?: Record<string, unknown>
  parameters?: Array<{ in: string; name: string }>
  requestBody?: unknown
}

forEachDatabase('OpenAPI and access on every route', (kind) => {
  const t = useTestApp(kind)

  async function operations(): Promise<Array<{ method: string; path: string; op: Operation }>> {
    const doc = (await t().request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> }
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    )
  }

  /** A concrete URL for a templated path, with a fresh random id in each parameter. */
  const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '01a1fd00-0000-7000-8000-000000000000')

  it('documents every /v1 route with its scope and error responses, and passes redocly lint', async () => {
    const res = await t().request('GET', '/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body.openapi).toBe('3.1.0')
    // Public routes (login) carry no scope marker; every other /v1 route does.
    const v1 = (await operations()).filter((o) => o.path.startsWith('/v1') && o.op['x-required-scope'] !== undefined)
    expect(v1.length).toBeGreaterThan(0)
    for (const { op } of v1) {
      expect(op.security?.length).toBeGreaterThan(0)
      expect(Object.keys(op.responses ?? {})).toEqual(expect.arrayContaining(['400', '401', '403', '429', '500']))
    }
    const dir = mkdtempSync(join(tmpdir(), 'sb-openapi-'))
    const file = join(dir, 'openapi.json')
    writeFileSync(file, JSON.stringify(res.body))
    const bin = join(process.cwd(), 'node_modules', '.bin', 'redocly')
    const result = await run(bin, ['lint', file, '--format=stylish'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).then(
      (r) => ({ code: 0, text: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, text: e.stdout + e.stderr }),
    )
    // redocly exits non-zero when the document has errors (warnings are allowed).
    expect(result.code, result.text).toBe(0)
  })

  it('serves the interactive API reference at /docs', async () => {
    const res = await t().request('GET', '/docs/')
    expect([200, 302]).toContain(res.status)
  })

  it('every /v1 route refuses a request without a key (401) and a key without its scope (403)', async () => {
    const { businessId } = await t().seedBusiness()
    const ops = (await operations()).filter((o) => o.path.startsWith('/v1') && o.op['x-required-scope'] !== undefined)
    for (const { method, path, op } of ops) {
      const url = concrete(path)
      const noKey = await t().request(method, url, { body: op.requestBody ? {} : undefined })
      expect(noKey.status, `${method} ${path} without a key`).toBe(401)
      expect(noKey.body.error.code).toBe('unauthorized')
      const scope = op['x-required-scope']
      if (!scope) continue
      // A key holding every scope but the one needed (and not admin).
      const others = SCOPES.filter((s) => s !== scope && s !== 'admin')
      const key = await t().keyWith(businessId, others)
      const res = await t().request(method, url, { key, body: op.requestBody ? {} : undefined })
      expect(res.status, `${method} ${path} without ${scope}`).toBe(403)
      expect(res.body.error).toEqual({ code: 'forbidden', details: { required_scope: scope } })
    }
  })

  it('every /v1 route that takes an id answers 404 for an id it does not know', async () => {
    const { apiKey } = await t().seedBusiness()
    const ops = (await operations()).filter((o) => o.path.startsWith('/v1') && /\{id\}/.test(o.path) && o.op['x-required-scope'] !== undefined)
    for (const { method, path, op } of ops) {
      // Bodies may be required: send none for GET/DELETE; for the rest the 404 may come after validation.
      if (op.requestBody) continue
      const res = await t().request(method, concrete(path), { key: apiKey })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.body.error.code).toBe('not_found')
    }
  })
})
