// The one home of WhatsApp's customer-service window: free-form messages are allowed only while the
// customer's last inbound message on that number is less than 24 hours old. Templates are always allowed.

export const WINDOW_MS = 24 * 60 * 60 * 1000

export interface WindowState {
  open: boolean
  /** When the open window closes, or when the last one closed; null if the customer never wrote. */
  expiresAt: Date | null
}

/** `lastInboundAt` is WhatsApp's own timestamp of the customer's last message (not our receipt time). */
export function windowState(lastInboundAt: Date | null | undefined, now: Date): WindowState {
  if (!lastInboundAt) return { open: false, expiresAt: null }
  const expiresAt = new Date(lastInboundAt.getTime() + WINDOW_MS)
  return { open: now.getTime() < expiresAt.getTime(), expiresAt }
}

export function isWindowOpen(lastInboundAt: Date | null | undefined, now: Date): boolean {
  return windowState(lastInboundAt, now).open
}
