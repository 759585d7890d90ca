import { Type } from 'typebox'
import type { ContactImportRow } from '../../store/contact-imports.js'
import { NullableTimestamp, Timestamp, iso, isoOrNull } from '../schemas.js'

export const ContactImportView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
    progress: Type.Number({ description: 'Share of the file read so far, 0 to 1.' }),
    rows_processed: Type.Integer(),
    created: Type.Integer({ description: 'Contacts created.' }),
    updated: Type.Integer({ description: 'Existing contacts (same phone) updated.' }),
    invalid: Type.Integer({ description: 'Rows skipped; the reasons are in errors.' }),
    errors: Type.Array(
      Type.Object({ row: Type.Integer({ description: 'Line in the file; the header is line 1.' }), column: Type.String(), problem: Type.String() }),
      { description: 'Why rows were skipped (the first 1000 problems).' },
    ),
    failure: Type.Union([Type.String(), Type.Null()], { description: 'Why the whole import failed, when status is failed.' }),
    created_at: Timestamp,
    finished_at: NullableTimestamp,
  },
  { $id: 'ContactImport' },
)

export function toContactImportView(j: ContactImportRow) {
  const done = j.status !== 'running'
  return {
    id: j.id,
    status: j.status as 'running' | 'completed' | 'failed',
    progress: done ? 1 : j.bytesTotal > 0 ? Math.min(1, j.bytesDone / j.bytesTotal) : 0,
    rows_processed: j.rowsTotal,
    created: j.created,
    updated: j.updated,
    invalid: j.invalid,
    errors: j.errors,
    failure: j.failure,
    created_at: iso(j.createdAt),
    finished_at: isoOrNull(j.finishedAt),
  }
}
