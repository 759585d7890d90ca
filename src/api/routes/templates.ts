import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES, type TemplateButton } from '../../domain/templates.js'
import { createTemplate, deleteTemplate, getTemplate, listTemplates, syncTemplates } from '../../services/templates.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery } from '../schemas.js'
import { TemplateView, toTemplateView } from '../views/template.js'

// Message templates: created here and submitted to the number's provider for review (PENDING), then
// kept in step with the provider's status webhooks; sync pulls templates made elsewhere.

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

const Button = Type.Union([
  Type.Object({ type: Type.Literal('quick_reply'), text: Type.String() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('url'), text: Type.String(), url: Type.String(), example: Type.Optional(Type.String()) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('phone_number'), text: Type.String(), phone_number: Type.String() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('copy_code'), example: Type.String() }, { additionalProperties: false }),
])

const CreateBody = Type.Object(
  {
    number_id: Type.Optional(Type.String({ description: "The number whose WhatsApp Business Account gets the template; the default number when absent." })),
    name: Type.String({ description: 'Lowercase letters, digits and underscores, at most 512 characters.' }),
    language: Type.String({ description: 'e.g. en_US' }),
    category: literals(TEMPLATE_CATEGORIES),
    body: Type.String({ description: 'Up to 1024 characters, with named variables such as {{first_name}} (or numbered ones, {{1}}).' }),
    examples: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'An example value for every variable, by name, for the review.' })),
    header: Type.Optional(
      Type.Union([
        Type.Object({ format: Type.Literal('text'), text: Type.String({ description: 'At most 60 characters and one variable.' }) }, { additionalProperties: false }),
        Type.Object(
          { format: Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('document')]), example_handle: Type.String({ description: 'An upload handle of a sample.' }) },
          { additionalProperties: false },
        ),
      ]),
    ),
    footer: Type.Optional(Type.String({ description: 'At most 60 characters, no variables.' })),
    buttons: Type.Optional(Type.Array(Button, { description: 'At most 10: quick replies, up to 2 URL, 1 phone, 1 copy-code.' })),
  },
  { additionalProperties: false },
)

export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/templates',
    {
      config: { scope: 'templates:write', idempotent: true },
      schema: {
        tags: ['templates'],
        summary: 'Create a template',
        description: "Checked against Meta's limits (400 lists every problem), then submitted for review: status PENDING until the provider decides.",
        body: CreateBody,
        response: { 201: Envelope(TemplateView) },
      },
    },
    async (req, reply) => {
      const b = req.body
      const t = await createTemplate(app.deps, principalOf(req).businessId, {
        numberId: b.number_id,
        name: b.name,
        language: b.language,
        category: b.category,
        body: b.body,
        examples: b.examples,
        header: b.header ? (b.header.format === 'text' ? { format: 'text', text: b.header.text } : { format: b.header.format, exampleHandle: b.header.example_handle }) : null,
        footer: b.footer ?? null,
        buttons: b.buttons?.map((x): TemplateButton => (x.type === 'phone_number' ? { type: 'phone_number', text: x.text, phoneNumber: x.phone_number } : x)),
      })
      return reply.code(201).send({ message: 'Template submitted for review', data: toTemplateView(t) })
    },
  )

  app.get(
    '/v1/templates',
    {
      config: { scope: 'templates:read' },
      schema: {
        tags: ['templates'],
        summary: 'List templates',
        querystring: Type.Object(
          {
            status: Type.Optional(literals(TEMPLATE_STATUSES)),
            name: Type.Optional(Type.String({ maxLength: 512 })),
            category: Type.Optional(literals(TEMPLATE_CATEGORIES)),
            language: Type.Optional(Type.String({ maxLength: 20 })),
            number_id: Type.Optional(Type.String({ format: 'uuid' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: ListEnvelope(TemplateView) },
      },
    },
    async (req) => {
      const q = req.query
      const page = await listTemplates(
        app.deps,
        { businessId: principalOf(req).businessId, status: q.status, name: q.name, category: q.category, language: q.language, numberId: q.number_id },
        { pageSize: q.page_size ?? 50, pageToken: q.page_token },
      )
      return { message: 'Templates retrieved', data: page.items.map(toTemplateView), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    },
  )

  app.get(
    '/v1/templates/:id',
    {
      config: { scope: 'templates:read' },
      schema: { tags: ['templates'], summary: 'Get a template', params: IdParams, response: { 200: Envelope(TemplateView) } },
    },
    async (req) => ({ message: 'Template retrieved', data: toTemplateView(await getTemplate(app.deps, principalOf(req).businessId, req.params.id)) }),
  )

  app.delete(
    '/v1/templates/:id',
    {
      config: { scope: 'templates:write' },
      schema: {
        tags: ['templates'],
        summary: 'Delete a template',
        description: 'WhatsApp deletes a template by name, so every language of this name goes; `deleted` counts them.',
        params: IdParams,
        response: { 200: Envelope(Type.Intersect([TemplateView, Type.Object({ deleted: Type.Integer() })])) },
      },
    },
    async (req) => {
      const r = await deleteTemplate(app.deps, principalOf(req).businessId, req.params.id)
      return { message: r.deleted > 1 ? `Template deleted in ${r.deleted} languages` : 'Template deleted', data: { ...toTemplateView(r.template), deleted: r.deleted } }
    },
  )

  app.post(
    '/v1/templates/sync',
    {
      config: { scope: 'templates:write' },
      schema: {
        tags: ['templates'],
        summary: 'Sync templates from the provider',
        description: "Pulls the number's templates (the default number unless `number_id` is given): new ones appear, statuses update, deleted ones go.",
        body: Type.Optional(Type.Object({ number_id: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false })),
        response: { 200: Envelope(Type.Object({ created: Type.Integer(), updated: Type.Integer(), removed: Type.Integer() })) },
      },
    },
    async (req) => {
      const r = await syncTemplates(app.deps, principalOf(req).businessId, req.body?.number_id)
      return { message: 'Templates synced', data: r }
    },
  )
}
