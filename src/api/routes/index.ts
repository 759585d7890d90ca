import type { FastifyPluginAsync } from 'fastify'
import { healthRoutes } from './health.js'
import { apiKeyRoutes } from './api-keys.js'
import { numberRoutes } from './numbers.js'

// Every route plugin, one line per area. Each stays encapsulated (no fastify-plugin wrapper).
export const routePlugins: FastifyPluginAsync[] = [
  healthRoutes as FastifyPluginAsync,
  apiKeyRoutes as FastifyPluginAsync,
  numberRoutes as FastifyPluginAsync,
]
