import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js'
import type { Deps } from './deps.js'
import { initBusiness } from './setup.js'
import { getBroadcast } from './broadcasts.js'
import { NotFoundError } from '../domain/errors.js'
import { isUuid } from '../domain/ids.js'

// Operator commands (the CLI's) as plain JSON-in, JSON-out functions over services. The CLI runs them
// in-process, or, when a running server holds the embedded database, asks that server to run them.

type Json = Record<string, unknown>
type Op = (deps: Deps, args: Json) => Promise<unknown>

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

export const operatorOps: Record<string, Op> = {
  async init(deps, args) {
    const r = await initBusiness(deps, { businessName: str(args.business), ownerEmail: str(args.owner_email) || undefined })
    return {
      business_id: r.businessId,
      api_key: r.apiKey,
      ...(r.numberId ? { number_id: r.numberId, number_display: r.numberDisplay } : {}),
      ...(r.owner ? { owner: { member_id: r.owner.memberId, email: r.owner.email, password: r.owner.password } } : {}),
    }
  },
  async 'keys.create'(deps, args) {
    const { key, secret } = await createApiKey(deps, {
      businessId: str(args.business),
      name: str(args.name) || 'cli',
      scopes: Array.isArray(args.scopes) ? args.scopes.map(String) : [],
    })
    return { id: key.id, business_id: key.businessId, name: key.name, scopes: key.scopes, api_key: secret }
  },
  async 'keys.list'(deps, args) {
    const keys = await listApiKeys(deps, str(args.business) || null)
    return keys.map((k) => ({
      id: k.id,
      business_id: k.businessId,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      created_at: k.createdAt.toISOString(),
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
      revoked_at: k.revokedAt?.toISOString() ?? null,
    }))
  },
  async 'broadcasts.get'(deps, args) {
    const id = str(args.id)
    const b = isUuid(id) ? await deps.store.broadcasts.byId(id) : null
    if (!b) throw new NotFoundError('not_found', `No broadcast has the id ${id}.`)
    const v = await getBroadcast(deps, b.businessId, id)
    const { pending: _pending, ...counts } = v.counts
    return { id: b.id, name: b.name, status: v.broadcast.status, pause_reason: v.broadcast.pauseReason, template: v.template.name, counts }
  },
  async 'keys.revoke'(deps, args) {
    const k = await revokeApiKey(deps, null, str(args.id))
    return { id: k.id, revoked_at: k.revokedAt?.toISOString() ?? null }
  },
}

export function registerOperatorOp(name: string, op: Op): void {
  operatorOps[name] = op
}
