import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { UnsupportedMediaTypeError } from '../../domain/errors.js'
import { exportContactsCsv } from '../../services/contact-export.js'
import { getContactImport, MAX_IMPORT_BYTES, startContactImport } from '../../services/contact-import.js'
// Registers the contacts CLI operations with the server that serves these routes.
import '../../services/contact-ops.js'
import { contactFilterQuery, contactQueryFrom, fieldFilterOptions } from '../contact-query.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams } from '../schemas.js'
import { ContactImportView, toContactImportView } from '../views/contact-import.js'

// CSV in and out. The CSV parser below is registered in this plugin only: it hands the raw request
// stream to the import service, which spools it to disk, so no route here holds a file in memory.

export const contactTransferRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['contacts']
  app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload))

  app.post(
    '/v1/contacts/import',
    {
      config: { scope: 'contacts:write' },
      bodyLimit: MAX_IMPORT_BYTES,
      schema: {
        tags,
        summary: 'Import contacts from CSV',
        description:
          'Send the file as the body with `Content-Type: text/csv` (up to 50 MB). Columns: `phone` (required), `name`, `first_name`, `last_name`, `email`, `language`, `tags` (separated by `;`) and any custom field key. Existing phones are updated (empty cells leave values as they are), new ones created. Answers 202 with an import job; follow it with GET /v1/contacts/imports/{id}.',
        consumes: ['text/csv'],
        response: { 202: Envelope(ContactImportView) },
      },
    },
    async (req, reply) => {
      if (!(req.body instanceof Readable)) {
        throw new UnsupportedMediaTypeError('unsupported_media_type', 'Send the CSV file as the request body with Content-Type: text/csv.')
      }
      const length = Number(req.headers['content-length'])
      const job = await startContactImport(app.deps, {
        businessId: principalOf(req).businessId,
        source: req.body,
        declaredBytes: Number.isFinite(length) ? length : undefined,
      })
      return reply.code(202).send({ message: 'Import started; follow its progress at GET /v1/contacts/imports/' + job.id, data: toContactImportView(job) })
    },
  )

  app.get(
    '/v1/contacts/imports/:id',
    {
      config: { scope: 'contacts:read' },
      schema: { tags, summary: 'Get a contact import', description: 'Progress, counts, and why each invalid row was skipped.', params: IdParams, response: { 200: Envelope(ContactImportView) } },
    },
    async (req) => ({ message: 'Import retrieved', data: toContactImportView(await getContactImport(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.get(
    '/v1/contacts/export',
    {
      config: { scope: 'contacts:read' },
      schema: {
        tags,
        summary: 'Export contacts as CSV',
        description: 'Streams CSV with the import’s columns (so the file imports back unchanged), filtered like GET /v1/contacts.',
        produces: ['text/csv'],
        querystring: Type.Object({ ...contactFilterQuery }, fieldFilterOptions),
        response: { 200: Type.String({ description: 'CSV' }) },
      },
    },
    async (req, reply) => {
      const stream = await exportContactsCsv(app.deps, principalOf(req).businessId, contactQueryFrom(req.query as Record<string, unknown>))
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="contacts.csv"')
      // Fastify sends a stream as it is; the response schema documents the CSV for the OpenAPI file.
      return reply.send(stream as unknown as string)
    },
  )
}
