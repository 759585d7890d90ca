export * from './core.js'
export * from './contacts.js'
export * from './messaging.js'
export * from './outreach.js'
