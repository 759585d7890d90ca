import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import { BASE_COLUMNS, TAG_SEPARATOR } from '../domain/contact-csv.js'
import { fieldText } from '../domain/custom-fields.js'
import { iterateContacts, resolveContactQuery, type ContactQuery } from './contacts.js'
import type { Deps } from './deps.js'

// CSV export: the import's columns (so an export imports back unchanged), streamed in pages.

/**
 * A CSV stream of the contacts matching `q`. Filters are checked before the first byte, so a bad
 * filter is a 400, not a broken download.
 */
export async function exportContactsCsv(deps: Deps, businessId: string, q: ContactQuery): Promise<Readable> {
  await resolveContactQuery(deps, businessId, q)
  const keys = (await deps.store.contactFields.list(businessId)).map((f) => f.key)
  const columns = [...BASE_COLUMNS, ...keys]
  async function* records(): AsyncGenerator<string[]> {
    for await (const c of iterateContacts(deps, businessId, q)) {
      yield [
        c.phone ?? '',
        c.name ?? '',
        c.firstName ?? '',
        c.lastName ?? '',
        c.email ?? '',
        c.language ?? '',
        c.tags.join(TAG_SEPARATOR),
        ...keys.map((k) => fieldText(c.fields[k])),
      ]
    }
  }
  const out = stringify({ header: true, columns })
  const src = Readable.from(records())
  src.on('error', (err) => out.destroy(err))
  return src.pipe(out)
}
