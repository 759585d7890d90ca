import type { FastifyPluginAsync } from 'fastify'
import { healthRoutes } from './health.js'
import { apiKeyRoutes } from './api-keys.js'
import { numberRoutes } from './numbers.js'
import { whatsappWebhookRoutes } from './whatsapp-webhook.js'
import { mediaRoutes } from './media.js'
import { webhookRoutes } from './webhooks.js'
import { broadcastRoutes } from './broadcasts.js'
import { toolRoutes } from './tools.js'
import { mcpRoutes } from './mcp.js'
import { contactRoutes } from './contacts.js'
import { contactTransferRoutes } from './contact-transfer.js'
import { tagRoutes } from './tags.js'
import { contactFieldRoutes } from './contact-fields.js'
import { teamRoutes } from './team.js'
import { authRoutes } from './auth.js'
import { liveRoutes } from './live.js'
import { webRoutes } from './web.js'
import { senderRoutes } from './senders.js'
import { conversationRoutes } from './conversations.js'
import { messageRoutes } from './messages.js'
import { templateRoutes } from './templates.js'
import { windowRoutes } from './window.js'

// Every route plugin, one line per area. Each stays encapsulated (no fastify-plugin wrapper).
export const routePlugins: FastifyPluginAsync[] = [
  healthRoutes as FastifyPluginAsync,
  apiKeyRoutes as FastifyPluginAsync,
  numberRoutes as FastifyPluginAsync,
  whatsappWebhookRoutes as FastifyPluginAsync,
  mediaRoutes as FastifyPluginAsync,
  webhookRoutes as FastifyPluginAsync,
  broadcastRoutes as FastifyPluginAsync,
  toolRoutes as FastifyPluginAsync,
  mcpRoutes,
  contactRoutes as FastifyPluginAsync,
  contactTransferRoutes as FastifyPluginAsync,
  tagRoutes as FastifyPluginAsync,
  contactFieldRoutes as FastifyPluginAsync,
  teamRoutes as FastifyPluginAsync,
  authRoutes as FastifyPluginAsync,
  senderRoutes as FastifyPluginAsync,
  conversationRoutes as FastifyPluginAsync,
  messageRoutes as FastifyPluginAsync,
  templateRoutes as FastifyPluginAsync,
  windowRoutes as FastifyPluginAsync,
  liveRoutes as FastifyPluginAsync,
  webRoutes, // the inbox page; its catch-all GET /* loses to every specific route
]
