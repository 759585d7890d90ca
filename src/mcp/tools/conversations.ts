import { Type } from 'typebox'
import {
  CONVERSATION_MODES,
  CONVERSATION_STATUSES,
  getConversationWithMessages,
  listConversations,
  updateConversation,
} from '../../services/conversations.js'
import { compactConversation, compactMessage } from '../compact.js'
import { defineTool } from '../tool.js'

const ConversationId = Type.String({ format: 'uuid', description: 'The conversation id (from list_conversations).' })
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

export const conversationTools = [
  defineTool({
    name: 'list_conversations',
    title: 'List conversations',
    description:
      'Lists WhatsApp conversations of the inbox, most recently active first (or oldest first with sort "oldest"). ' +
      'Use it to triage: filter by status, mode (ai/human), assignment, number, tag, or a search on the customer name or phone; ' +
      'unread_only keeps those with unread customer messages. Returns {conversations: [{id, customer_phone, customer_name, status, mode, unread_count, ' +
      'last_message_at, window: {open, expires_at}}], next_page_token}. Pass next_page_token back as page_token for more. ' +
      'Then read one with get_conversation.',
    scope: 'messaging:conversations:read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: Type.Object(
      {
        status: Type.Optional(literals(CONVERSATION_STATUSES)),
        mode: Type.Optional(literals(CONVERSATION_MODES)),
        assigned: Type.Optional(Type.String({ description: '"unassigned", or a member id.' })),
        number_id: Type.Optional(Type.String({ format: 'uuid' })),
        tag: Type.Optional(Type.String()),
        search: Type.Optional(Type.String({ description: 'Part of the customer name or phone.' })),
        unread_only: Type.Optional(Type.Boolean({ default: false })),
        sort: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')], { default: 'newest' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        page_token: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const page = await listConversations(deps, principal, {
        status: input.status,
        mode: input.mode,
        assigned: input.assigned,
        numberId: input.number_id,
        tag: input.tag,
        search: input.search,
        unreadOnly: input.unread_only,
        order: input.sort,
        pageSize: input.limit ?? 20,
        pageToken: input.page_token,
      })
      return { conversations: page.items.map(compactConversation), next_page_token: page.nextPageToken ?? null }
    },
  }),

  defineTool({
    name: 'get_conversation',
    title: 'Read a conversation',
    description:
      'Reads one conversation with its last N messages (newest first; default 10). Returns {conversation: {id, customer_phone, status, mode, window: {open, expires_at}}, ' +
      'messages: [{id, direction (inbound = from the customer), type, text, status, created_at}]}. ' +
      'Check window.open before replying: when it is false, free-form replies are refused and a template is required (see whatsapp_templates).',
    scope: 'messaging:messages:read',
    annotations: { readOnlyHint: true },
    input: Type.Object(
      { conversation_id: ConversationId, last_messages: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const r = await getConversationWithMessages(deps, principal.businessId, input.conversation_id, input.last_messages ?? 10)
      return { conversation: compactConversation(r.conversation), messages: r.messages.map(compactMessage) }
    },
  }),

  defineTool({
    name: 'set_conversation_status',
    title: 'Set a conversation status',
    description:
      'Sets a conversation status: open, pending_customer (waiting on the customer), pending (waiting on the team) or resolved. ' +
      'Returns the updated conversation.',
    scope: 'messaging:messages:send',
    annotations: { idempotentHint: true },
    input: Type.Object({ conversation_id: ConversationId, status: literals(CONVERSATION_STATUSES) }, { additionalProperties: false }),
    async run({ deps, principal }, input) {
      return { conversation: compactConversation(await updateConversation(deps, principal.businessId, input.conversation_id, { status: input.status })) }
    },
  }),

  defineTool({
    name: 'set_conversation_mode',
    title: 'Hand a conversation to a person or to the AI',
    description:
      'Sets who handles a conversation: "human" hands it to a person on the team (use it when the customer asks for a person, ' +
      'is upset, or you cannot help), "ai" gives it back to the agent. Returns the updated conversation.',
    scope: 'messaging:messages:send',
    annotations: { idempotentHint: true },
    input: Type.Object({ conversation_id: ConversationId, mode: literals(CONVERSATION_MODES) }, { additionalProperties: false }),
    async run({ deps, principal }, input) {
      return { conversation: compactConversation(await updateConversation(deps, principal.businessId, input.conversation_id, { mode: input.mode })) }
    },
  }),

  defineTool({
    name: 'assign_conversation',
    title: 'Assign a conversation',
    description:
      'Assigns a conversation to a team member and/or a team (ids from the team API); null unassigns. ' +
      'An id that is not a member or team of this business is refused with invalid_assignee. Returns the updated conversation.',
    scope: 'messaging:messages:send',
    annotations: { idempotentHint: true },
    input: Type.Object(
      {
        conversation_id: ConversationId,
        assignee_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
        team_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const c = await updateConversation(deps, principal.businessId, input.conversation_id, { assigneeId: input.assignee_id, teamId: input.team_id })
      return { conversation: compactConversation(c) }
    },
  }),
]
