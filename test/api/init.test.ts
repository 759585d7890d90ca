import { expect, it } from 'vitest'
import { operatorOps } from '../../src/services/operator-ops.js'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

forEachDatabase('switchboard init', (kind) => {
  const t = useTestApp(kind, { env: { SWITCHBOARD_EMULATOR: 'off' } })

  it('creates a business, an admin key that works, and an owner who can sign in to the inbox', async () => {
    const out = (await operatorOps.init(t().deps, { business: 'Acme', owner_email: 'owner@acme.test' })) as {
      business_id: string
      api_key: string
      owner: { email: string; password: string }
    }
    expect(out.api_key).toMatch(/^sb_/)
    const keys = await t().request('GET', '/v1/api-keys', { key: out.api_key })
    expect(keys.status).toBe(200)
    expect(keys.body.data[0].business_id).toBe(out.business_id)
    const login = await t().request('POST', '/v1/auth/login', { body: { email: out.owner.email, password: out.owner.password } })
    expect(login.status).toBe(200)
    const bad = await operatorOps.init(t().deps, { business: '' }).catch((e: Error) => e)
    expect((bad as Error).message).toMatch(/name of 1 to 200 characters/)
  })
})
