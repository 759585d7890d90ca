import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createTag, deleteTag, listTags, updateTag } from '../../services/tags.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery } from '../schemas.js'
import { TagView, toTagView } from '../views/tag.js'

const Name = Type.String({ maxLength: 200, description: '1–64 characters, unique per business ignoring case.' })
const Color = Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'A colour for the inbox, e.g. #1f883d.' }), Type.Null()])

export const tagRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['tags']

  app.post(
    '/v1/tags',
    {
      config: { scope: 'contacts:write', idempotent: true },
      schema: { tags, summary: 'Create a tag', body: Type.Object({ name: Name, color: Type.Optional(Color) }, { additionalProperties: false }), response: { 201: Envelope(TagView) } },
    },
    async (req, reply) => {
      const t = await createTag(app.deps, { businessId: principalOf(req).businessId, name: req.body.name, color: req.body.color })
      return reply.code(201).send({ message: 'Tag created', data: toTagView(t) })
    },
  )

  app.get(
    '/v1/tags',
    {
      config: { scope: 'contacts:read' },
      schema: { tags, summary: 'List tags', description: 'Alphabetical, each with its contact count.', querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }), response: { 200: ListEnvelope(TagView) } },
    },
    async (req) => {
      const { items, next } = await listTags(app.deps, principalOf(req).businessId, { size: req.query.page_size ?? 50, token: req.query.page_token })
      return { message: 'Tags retrieved', data: items.map(toTagView), ...(next ? { next_page_token: next } : {}) }
    },
  )

  app.patch(
    '/v1/tags/:id',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Rename or recolour a tag',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), color: Type.Optional(Color) }, { additionalProperties: false }),
        response: { 200: Envelope(TagView) },
      },
    },
    async (req) => ({ message: 'Tag updated', data: toTagView(await updateTag(app.deps, { businessId: principalOf(req).businessId, id: req.params.id, ...req.body })) }),
  )

  app.delete(
    '/v1/tags/:id',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags,
        summary: 'Delete a tag',
        description: 'Detaches it from every contact.',
        params: IdParams,
        response: { 200: Envelope(Type.Object({ id: Type.String({ format: 'uuid' }), deleted: Type.Boolean() })) },
      },
    },
    async (req) => {
      await deleteTag(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Tag deleted', data: { id: req.params.id, deleted: true } }
    },
  )
}
