import { describe, expect, it } from 'vitest'
import { advanceStatus, fromProviderStatus, statusesBelow } from '../../src/domain/status.js'
import { isWindowOpen, windowState, WINDOW_MS } from '../../src/domain/window.js'

describe('advanceStatus', () => {
  it('late or repeated webhooks never move a message backwards', () => {
    expect(advanceStatus('delivered', 'sent')).toBeNull()
    expect(advanceStatus('read', 'delivered')).toBeNull()
    expect(advanceStatus('read', 'read')).toBeNull()
    expect(advanceStatus('sent', 'read')).toBe('read')
    expect(advanceStatus('queued', 'delivered')).toBe('delivered')
  })
  it('failed is terminal and only lands before delivery', () => {
    expect(advanceStatus('sent', 'failed')).toBe('failed')
    expect(advanceStatus('queued', 'failed')).toBe('failed')
    expect(advanceStatus('failed', 'delivered')).toBeNull()
    expect(advanceStatus('read', 'failed')).toBeNull()
  })
  it('played counts as read; statusesBelow lists what an incoming status may replace', () => {
    expect(fromProviderStatus('played')).toBe('read')
    expect(statusesBelow('delivered')).toEqual(['queued', 'sent'])
    expect(statusesBelow('failed')).toEqual(['queued', 'sent'])
  })
})

describe('the 24-hour window', () => {
  const now = new Date('2026-11-21T12:00:00.000Z')
  it('is closed when the customer never wrote', () => {
    expect(windowState(null, now)).toEqual({ open: false, expiresAt: null })
  })
  it('is open for just under 24 hours after the customer’s message, and closed at 24 hours', () => {
    expect(isWindowOpen(new Date(now.getTime() - WINDOW_MS + 1), now)).toBe(true)
    expect(isWindowOpen(new Date(now.getTime() - WINDOW_MS), now)).toBe(false)
    expect(windowState(new Date(now.getTime() - 1000), now).expiresAt?.toISOString()).toBe('2026-11-22T11:59:59.000Z')
  })
})
