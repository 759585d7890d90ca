import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  CONVERSATION_MODES, CONVERSATION_STATUSES, getConversationWithMessages, listConversations, listMessages, markConversationRead, updateConversation,
} from '../../services/conversations.js'
import { principalOf } from '../plugins/auth.js'
import { Envelope, IdParams, ListEnvelope, PageQuery } from '../schemas.js'
import { ConversationView, toConversationView } from '../views/conversation.js'
import { MessageView, toMessageView } from '../views/message.js'

// Conversations: list (most recently active first), one with its newest messages, its history,
// changes (status, mode, assignee, team, folder) and mark-read.

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

const ListQuery = Type.Object(
  {
    status: Type.Optional(literals(CONVERSATION_STATUSES)),
    mode: Type.Optional(literals(CONVERSATION_MODES)),
    assigned: Type.Optional(Type.String({ description: '`me` (needs a member session), `unassigned`, or a member id.' })),
    number_id: Type.Optional(Type.String({ description: 'Only conversations on this WhatsApp number.' })),
    search: Type.Optional(Type.String({ maxLength: 200, description: "Part of the customer's name or phone number." })),
    tag: Type.Optional(Type.String({ maxLength: 100, description: "A tag name or id on the customer's contact." })),
    folder: Type.Optional(Type.String({ maxLength: 64 })),
    ...PageQuery,
  },
  { additionalProperties: false },
)

const PatchBody = Type.Object(
  {
    status: Type.Optional(literals(CONVERSATION_STATUSES)),
    mode: Type.Optional(literals(CONVERSATION_MODES)),
    // Null first: with type coercion on, a string branch tried first would turn null into "".
    assignee_id: Type.Optional(Type.Union([Type.Null(), Type.String()], { description: 'A member of this business, or null to unassign.' })),
    team_id: Type.Optional(Type.Union([Type.Null(), Type.String()], { description: 'A team of this business, or null.' })),
    folder: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
  },
  { additionalProperties: false, minProperties: 1 },
)

const ConversationWithMessages = Type.Intersect([ConversationView, Type.Object({ messages: Type.Array(MessageView) })])

export const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/messaging/conversations',
    {
      config: { scope: 'messaging:conversations:read' },
      schema: {
        tags: ['conversations'],
        summary: 'List conversations',
        description: 'Most recently active first; `window_open` says whether free-form messages may be sent now.',
        querystring: ListQuery,
        response: { 200: ListEnvelope(ConversationView) },
      },
    },
    async (req) => {
      const q = req.query
      const page = await listConversations(app.deps, principalOf(req), {
        status: q.status,
        mode: q.mode,
        assigned: q.assigned,
        numberId: q.number_id,
        search: q.search,
        tag: q.tag,
        folder: q.folder,
        pageSize: q.page_size ?? 50,
        pageToken: q.page_token,
      })
      return {
        message: 'Conversations retrieved',
        data: page.items.map(toConversationView),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      }
    },
  )

  app.get(
    '/v1/messaging/conversations/:id',
    {
      config: { scope: 'messaging:messages:read' },
      schema: {
        tags: ['conversations'],
        summary: 'Get a conversation with its newest messages',
        description: 'Messages newest first; `messages_limit` of them (default 50). Page through older ones with GET …/messages.',
        params: IdParams,
        querystring: Type.Object({ messages_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, default: 50 })) }, { additionalProperties: false }),
        response: { 200: Envelope(ConversationWithMessages) },
      },
    },
    async (req) => {
      const r = await getConversationWithMessages(app.deps, principalOf(req).businessId, req.params.id, req.query.messages_limit ?? 50)
      return { message: 'Conversation retrieved', data: { ...toConversationView(r.conversation), messages: r.messages.map(toMessageView) } }
    },
  )

  app.get(
    '/v1/messaging/conversations/:id/messages',
    {
      config: { scope: 'messaging:messages:read' },
      schema: {
        tags: ['conversations'],
        summary: "List a conversation's messages",
        description: 'The full history, newest first, with page tokens.',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: ListEnvelope(MessageView) },
      },
    },
    async (req) => {
      const page = await listMessages(app.deps, principalOf(req).businessId, req.params.id, { pageSize: req.query.page_size ?? 50, pageToken: req.query.page_token })
      return { message: 'Messages retrieved', data: page.items.map(toMessageView), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    },
  )

  app.patch(
    '/v1/messaging/conversations/:id',
    {
      // Assignment and status are inbox work, which the people who answer customers do.
      config: { scope: 'messaging:messages:send' },
      schema: {
        tags: ['conversations'],
        summary: 'Change a conversation',
        description: 'Status, mode (ai or human), assignee, team, folder. The assignee and team must belong to this business.',
        params: IdParams,
        body: PatchBody,
        response: { 200: Envelope(ConversationView) },
      },
    },
    async (req) => {
      const b = req.body
      const c = await updateConversation(app.deps, principalOf(req).businessId, req.params.id, {
        status: b.status,
        mode: b.mode,
        assigneeId: b.assignee_id,
        teamId: b.team_id,
        folder: b.folder,
      })
      return { message: 'Conversation updated', data: toConversationView(c) }
    },
  )

  app.post(
    '/v1/messaging/conversations/:id/read',
    {
      config: { scope: 'messaging:messages:read' },
      schema: {
        tags: ['conversations'],
        summary: 'Mark a conversation read',
        description: "Unread count to 0, and a read receipt (blue ticks) to WhatsApp for the customer's last message, best effort.",
        params: IdParams,
        response: { 200: Envelope(ConversationView) },
      },
    },
    async (req) => {
      const c = await markConversationRead(app.deps, principalOf(req).businessId, req.params.id)
      return { message: 'Conversation marked read', data: toConversationView(c) }
    },
  )
}
