import { createReadStream, createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { NotFoundError, ValidationError } from '../domain/errors.js'
import { isUuid } from '../domain/ids.js'
import type { ContactImportRow } from '../store/contact-imports.js'
import { exportContactsCsv } from './contact-export.js'
import { getContactImport, startContactImport } from './contact-import.js'
import type { Deps } from './deps.js'
import { registerOperatorOp } from './operator-ops.js'

// The contacts CLI's operations, for when a running server holds the embedded database: the CLI asks
// that server (on this machine, same user) to read or write the local file instead.

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

export function importJson(j: ContactImportRow) {
  return {
    id: j.id,
    business_id: j.businessId,
    status: j.status,
    bytes_total: j.bytesTotal,
    bytes_done: j.bytesDone,
    rows_processed: j.rowsTotal,
    created: j.created,
    updated: j.updated,
    invalid: j.invalid,
    errors: j.errors,
    failure: j.failure,
  }
}

/** The business a command means: the one given, or the only one there is. */
export async function resolveBusiness(deps: Deps, given: string | undefined): Promise<string> {
  if (given) {
    if (!isUuid(given) || !(await deps.store.businesses.get(given))) {
      throw new NotFoundError('not_found', `No business has the id ${given}; list them with \`switchboard keys list\` or create one with \`switchboard init\`.`)
    }
    return given
  }
  const all = await deps.store.businesses.list()
  if (all.length === 1) return all[0].id
  if (all.length === 0) throw new ValidationError('no_business', 'There is no business yet; create one with `switchboard init --business <name>`.')
  throw new ValidationError('business_required', `Several businesses exist; pass --business with one of: ${all.map((b) => `${b.id} (${b.name})`).join(', ')}.`)
}

registerOperatorOp('contacts.import.start', async (deps, args) => {
  const businessId = await resolveBusiness(deps, str(args.business) || undefined)
  const job = await startContactImport(deps, { businessId, source: createReadStream(resolve(str(args.file))) })
  return importJson(job)
})

registerOperatorOp('contacts.import.get', async (deps, args) => importJson(await getContactImport(deps, str(args.business), str(args.id))))

registerOperatorOp('contacts.export', async (deps, args) => {
  const businessId = await resolveBusiness(deps, str(args.business) || undefined)
  const file = resolve(str(args.file))
  await pipeline(await exportContactsCsv(deps, businessId, {}), createWriteStream(file, { mode: 0o600 }))
  return { business_id: businessId, file }
})
