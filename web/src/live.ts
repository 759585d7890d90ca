import { useEffect, useRef, useState } from 'react'

// Live updates over server-sent events (GET /v1/live, same-origin cookie). Events only say *what*
// changed ({ conversation_id, kind }); the page refetches it, so it never shows a half-applied change.
// EventSource reconnects by itself; after a reconnect we refetch everything once, in case we missed
// something while disconnected.

export interface LiveEvent {
  kind: string
  conversation_id?: string | null
  business_id?: string
}

export type LiveState = 'connecting' | 'live' | 'offline'

export function useLive(onEvent: (e: LiveEvent) => void): LiveState {
  const handler = useRef(onEvent)
  handler.current = onEvent
  const [state, setState] = useState<LiveState>('connecting')
  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setState('offline')
      return
    }
    const es = new EventSource('/v1/live')
    let everConnected = false
    const deliver = (ev: MessageEvent) => {
      try {
        handler.current(JSON.parse(ev.data as string) as LiveEvent)
      } catch {
        /* a malformed event is not worth breaking the page over */
      }
    }
    es.addEventListener('ready', () => {
      setState('live')
      // Reconnected: we may have missed events while away.
      if (everConnected) handler.current({ kind: 'resync' })
      everConnected = true
    })
    es.onmessage = deliver
    for (const kind of ['message.received', 'message.status', 'message.created', 'message.sent', 'conversation.updated', 'conversation.created', 'contact.updated']) {
      es.addEventListener(kind, deliver as EventListener)
    }
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting')
    return () => es.close()
  }, [])
  return state
}
