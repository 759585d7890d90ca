// The sender state machine, as data and pure functions. Services ask it before every state change and
// the store repeats the expected state in its UPDATE, so two processes can never both move a sender.
//
//   DRAFT ──submit──► IN_REVIEW ──approve──► IN_TEST ──launch──► LAUNCHING ──complete──► LAUNCHED
//     ▲                   │                                 ▲        │
//     └─(edit)  REJECTED ◄┘reject          FAILED ──launch──┘  ◄fail─┘
//               │  └──submit──► IN_REVIEW
//
// `submit` and `launch` are asked for by the business (POST …/submit, …/launch); `approve`, `reject`,
// `complete` and `fail` are decided by review and provisioning (the senders job).

export const SENDER_STATES = ['DRAFT', 'IN_REVIEW', 'IN_TEST', 'LAUNCHING', 'LAUNCHED', 'REJECTED', 'FAILED'] as const
export type SenderState = (typeof SENDER_STATES)[number]

export const SENDER_ACTIONS = ['submit', 'approve', 'reject', 'launch', 'complete', 'fail'] as const
export type SenderAction = (typeof SENDER_ACTIONS)[number]

/** Actions a caller of the API may ask for; the others belong to review and provisioning. */
export const USER_ACTIONS: readonly SenderAction[] = ['submit', 'launch']

const TRANSITIONS: Record<SenderState, Partial<Record<SenderAction, SenderState>>> = {
  DRAFT: { submit: 'IN_REVIEW' },
  IN_REVIEW: { approve: 'IN_TEST', reject: 'REJECTED' },
  IN_TEST: { launch: 'LAUNCHING' },
  LAUNCHING: { complete: 'LAUNCHED', fail: 'FAILED' },
  LAUNCHED: {},
  REJECTED: { submit: 'IN_REVIEW' },
  FAILED: { launch: 'LAUNCHING' },
}

export interface AllowedTransition {
  action: SenderAction
  to: SenderState
}

export type TransitionResult = { ok: true; to: SenderState } | { ok: false; allowed: AllowedTransition[] }

export function isSenderState(v: string): v is SenderState {
  return (SENDER_STATES as readonly string[]).includes(v)
}

/** Every transition out of `state`, in a stable order. */
export function allowedTransitions(state: SenderState): AllowedTransition[] {
  return SENDER_ACTIONS.filter((a) => TRANSITIONS[state][a] !== undefined).map((a) => ({ action: a, to: TRANSITIONS[state][a] as SenderState }))
}

/** The state `action` leads to from `state`, or the transitions that are allowed instead. */
export function transition(state: SenderState, action: SenderAction): TransitionResult {
  const to = TRANSITIONS[state][action]
  return to ? { ok: true, to } : { ok: false, allowed: allowedTransitions(state) }
}

/** A sender's details may change only before review, or after a rejection (to fix and resubmit). */
export const EDITABLE_STATES: readonly SenderState[] = ['DRAFT', 'REJECTED']
export function mayEdit(state: SenderState): boolean {
  return EDITABLE_STATES.includes(state)
}

/**
 * A launched sender is a live number, and a launching one is being made live by the job right now;
 * neither can be deleted. Any other sender can.
 */
export const UNDELETABLE_STATES: readonly SenderState[] = ['LAUNCHING', 'LAUNCHED']
export function mayDelete(state: SenderState): boolean {
  return !UNDELETABLE_STATES.includes(state)
}

/** States in which review or provisioning owes the sender a next step (`due_at` is set). */
export const PENDING_STATES: readonly SenderState[] = ['IN_REVIEW', 'LAUNCHING']

/** Lifecycle order, for sorting by state (a list sorted by STATE reads like the pipeline). */
export function stateRank(state: SenderState): number {
  return SENDER_STATES.indexOf(state)
}

export type MessagingVerdict =
  | { ok: true }
  | { ok: false; code: 'sender_not_launched' | 'sender_test_recipient_only'; reason: string }

/**
 * May a number provisioned through a sender in `state` message `phone` (E.164)? Launched: anyone.
 * In test (including a launch under way or failed): only the sender's test numbers. Otherwise no.
 */
export function messagingVerdict(state: SenderState, deleted: boolean, testNumbers: readonly string[], phone: string): MessagingVerdict {
  if (state === 'LAUNCHED') return { ok: true }
  if (deleted) {
    return { ok: false, code: 'sender_not_launched', reason: 'its sender was deleted before launch, so it can no longer send' }
  }
  if (state === 'IN_TEST' || state === 'LAUNCHING' || state === 'FAILED') {
    if (testNumbers.includes(phone)) return { ok: true }
    return {
      ok: false,
      code: 'sender_test_recipient_only',
      reason: `its sender is ${state}, and until it is launched it may message only its test numbers (${testNumbers.join(', ') || 'none listed'})`,
    }
  }
  return { ok: false, code: 'sender_not_launched', reason: `its sender is ${state} and has not been launched` }
}
