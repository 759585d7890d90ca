// Exponential backoff with jitter, for every retry in the system (provider sends, webhook deliveries).
// Jitter spreads retries out so that many failures at once do not come back at once.

export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  // "Equal jitter": half fixed, half random, so the delay never collapses to zero.
  return Math.round(exp / 2 + random() * (exp / 2))
}
