import { Type, type TSchema } from 'typebox'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/page-token.js'

// Shapes shared by every route: the success envelope, lists with page tokens, and common params.

export const ErrorEnvelope = Type.Object(
  {
    message: Type.String({ description: 'A sentence telling the caller what went wrong and what to do.' }),
    error: Type.Object({
      code: Type.String({ description: 'Stable snake_case error code, e.g. validation_failed, window_closed.' }),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
)

export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({ message: Type.String(), data })
}

export function ListEnvelope<T extends TSchema>(item: T) {
  return Type.Object({
    message: Type.String(),
    data: Type.Array(item),
    next_page_token: Type.Optional(Type.String({ description: 'Pass as page_token for the next page; absent on the last page.' })),
  })
}

export const PageQuery = {
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Items per page, 1–200.' }),
  ),
  page_token: Type.Optional(Type.String({ description: 'The next_page_token of the previous page.' })),
}

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'A UUID.' }) })

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds.' })
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

export const iso = (d: Date): string => d.toISOString()
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null)
