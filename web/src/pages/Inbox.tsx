import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage, get, post } from '../api.js'
import { useAsync, useDebounced, useNarrow } from '../hooks.js'
import { useLive, type LiveEvent } from '../live.js'
import { navigate } from '../router.js'
import { useSession } from '../session.js'
import type { Conversation, ConversationDetail, Member, Message, Tag, Team, WaNumber } from '../types.js'
import { ConversationList, DEFAULT_FILTERS, type Filters } from '../components/ConversationList.js'
import { ConversationSidebar } from '../components/ConversationSidebar.js'
import { Thread } from '../components/Thread.js'

// The inbox: list, thread and details. Live events (SSE) trigger quiet refetches of the list and of the
// open conversation; nothing is patched by hand from events, so the page always shows what the API says.

const PAGE = 50
/** Messages loaded when a conversation opens (and on each live refresh). */
const NEWEST = 100

function useReference<T>(path: string, allowed: boolean): T[] {
  const r = useAsync(async (signal) => (allowed ? (await get<T[]>(path, { page_size: 200 }, signal)).data : []), [path, allowed])
  return r.data ?? []
}

export function InboxPage({ conversationId }: { conversationId: string | null }) {
  const { me, can } = useSession()
  const narrow = useNarrow()
  const wide = !useNarrow(1180)

  const numbers = useReference<WaNumber>('/v1/numbers', can('numbers:read'))
  const members = useReference<Member>('/v1/team/members', can('team:read'))
  const teams = useReference<Team>('/v1/teams', can('team:read'))
  const [tagsTick, setTagsTick] = useState(0)
  const tags = useAsync(async (signal) => (can('contacts:read') ? (await get<Tag[]>('/v1/tags', { page_size: 200 }, signal)).data : []), [tagsTick])

  // ---- the list
  const [filters, setFilters] = useState<Filters>(() => ({ ...DEFAULT_FILTERS, view: me.kind === 'member' ? 'all' : 'all' }))
  const search = useDebounced(filters.search, 250)
  const [items, setItems] = useState<Conversation[]>([])
  const [next, setNext] = useState<string | undefined>()
  const [listLoading, setListLoading] = useState(true)
  const [listError, setListError] = useState<string | null>(null)
  const listSeq = useRef(0)

  const query = useCallback(
    (pageToken?: string) => ({
      assigned: filters.view === 'mine' ? 'me' : filters.view === 'unassigned' ? 'unassigned' : undefined,
      status: filters.status || undefined,
      number_id: filters.numberId || undefined,
      tag: filters.tag || undefined,
      search: search.trim() || undefined,
      page_size: PAGE,
      page_token: pageToken,
    }),
    [filters.view, filters.status, filters.numberId, filters.tag, search],
  )

  /** Refetch the first page; `quiet` keeps the current list on screen (live updates). */
  const loadList = useCallback(
    async (quiet = false) => {
      const seq = ++listSeq.current
      if (!quiet) setListLoading(true)
      try {
        const res = await get<Conversation[]>('/v1/messaging/conversations', query())
        if (seq !== listSeq.current) return
        setItems(res.data)
        setNext(res.next_page_token)
        setListError(null)
      } catch (err) {
        if (seq === listSeq.current) setListError(errorMessage(err))
      } finally {
        if (seq === listSeq.current) setListLoading(false)
      }
    },
    [query],
  )

  useEffect(() => {
    void loadList()
  }, [loadList])

  async function loadMore() {
    if (!next) return
    setListLoading(true)
    try {
      const res = await get<Conversation[]>('/v1/messaging/conversations', query(next))
      setItems((cur) => [...cur, ...res.data.filter((c) => !cur.some((x) => x.id === c.id))])
      setNext(res.next_page_token)
    } catch (err) {
      setListError(errorMessage(err))
    } finally {
      setListLoading(false)
    }
  }

  // ---- the open conversation
  const [conv, setConv] = useState<Conversation | null>(null)
  const [messages, setMessages] = useState<Message[]>([])
  const [convLoading, setConvLoading] = useState(false)
  const [convError, setConvError] = useState<string | null>(null)
  const convSeq = useRef(0)
  // Older history, fetched page by page on request; live refreshes only replace the newest page.
  const [older, setOlder] = useState<Message[]>([])
  const [olderToken, setOlderToken] = useState<string | undefined>()
  const [olderLoading, setOlderLoading] = useState(false)

  const loadConv = useCallback(
    async (quiet = false) => {
      if (!conversationId) return
      const seq = ++convSeq.current
      if (!quiet) setConvLoading(true)
      try {
        const res = await get<ConversationDetail | { conversation: Conversation; messages: Message[] }>(
          `/v1/messaging/conversations/${conversationId}`,
          { messages_limit: NEWEST },
        )
        if (seq !== convSeq.current) return
        const d = res.data
        const c = 'conversation' in d ? d.conversation : d
        setConv(c)
        setMessages(d.messages ?? [])
        setConvError(null)
        // A full newest page means there may be more: ask the history endpoint for the cursor once.
        if (!quiet && (d.messages?.length ?? 0) >= NEWEST) {
          get<Message[]>(`/v1/messaging/conversations/${c.id}/messages`, { page_size: NEWEST }).then(
            (page) => seq === convSeq.current && setOlderToken(page.next_page_token),
            () => {},
          )
        }
        // Opening a conversation (or a new message arriving while it is open and visible) reads it.
        if (c.unread_count > 0 && document.visibilityState === 'visible') {
          post(`/v1/messaging/conversations/${c.id}/read`).then(
            () => setItems((cur) => cur.map((x) => (x.id === c.id ? { ...x, unread_count: 0 } : x))),
            () => {},
          )
        }
      } catch (err) {
        if (seq === convSeq.current) setConvError(errorMessage(err))
      } finally {
        if (seq === convSeq.current) setConvLoading(false)
      }
    },
    [conversationId],
  )

  useEffect(() => {
    setConv(null)
    setMessages([])
    setOlder([])
    setOlderToken(undefined)
    setConvError(null)
    void loadConv()
  }, [loadConv])

  async function loadOlder() {
    if (!conversationId || !olderToken) return
    setOlderLoading(true)
    try {
      const page = await get<Message[]>(`/v1/messaging/conversations/${conversationId}/messages`, { page_size: NEWEST, page_token: olderToken })
      setOlder((cur) => [...cur, ...page.data])
      setOlderToken(page.next_page_token)
    } catch (err) {
      setConvError(errorMessage(err))
    } finally {
      setOlderLoading(false)
    }
  }
  const allMessages = older.length ? [...older.filter((m) => !messages.some((x) => x.id === m.id)), ...messages] : messages

  // ---- live: coalesce bursts (a send emits queued → sent → delivered → read within moments)
  const pending = useRef<{ list: boolean; conv: boolean; timer: ReturnType<typeof setTimeout> | null }>({ list: false, conv: false, timer: null })
  const onLive = useCallback(
    (e: LiveEvent) => {
      const p = pending.current
      p.list = true
      if (e.kind === 'resync' || !e.conversation_id || e.conversation_id === conversationId) p.conv = true
      if (p.timer) return
      p.timer = setTimeout(() => {
        const { list, conv: c } = p
        p.list = p.conv = false
        p.timer = null
        if (list) void loadList(true)
        if (c) void loadConv(true)
      }, 120)
    },
    [conversationId, loadList, loadConv],
  )
  const live = useLive(onLive)

  const [detailsOpen, setDetailsOpen] = useState(false)
  const showSidebar = conv && (wide || detailsOpen)

  const select = (id: string) => navigate(`/inbox/${id}`)
  const onChanged = (c: Conversation) => {
    setConv((cur) => (cur ? { ...cur, ...c } : c))
    void loadList(true)
  }

  const list = (
    <ConversationList
      filters={filters}
      onFilters={setFilters}
      items={items}
      loading={listLoading}
      error={listError}
      hasMore={!!next}
      onMore={() => void loadMore()}
      onRetry={() => void loadList()}
      selectedId={conversationId}
      onSelect={select}
      numbers={numbers}
      tags={tags.data ?? []}
      live={live}
      canFilterMine={me.kind === 'member'}
    />
  )
  const thread = (
    <Thread
      conversation={conv}
      messages={allMessages}
      loading={convLoading}
      hasOlder={!!olderToken}
      olderLoading={olderLoading}
      onLoadOlder={() => void loadOlder()}
      error={convError}
      numbers={numbers}
      onBack={narrow ? () => navigate('/inbox') : undefined}
      onToggleDetails={!wide && conv ? () => setDetailsOpen((o) => !o) : undefined}
      detailsOpen={detailsOpen}
      onSent={() => {
        void loadConv(true)
        void loadList(true)
      }}
      onRetry={() => void loadConv()}
    />
  )
  const sidebar = showSidebar ? (
    <ConversationSidebar
      conversation={conv}
      members={members}
      teams={teams}
      tags={tags.data ?? []}
      onChanged={onChanged}
      onTagsChanged={() => setTagsTick((t) => t + 1)}
      onClose={!wide ? () => setDetailsOpen(false) : undefined}
    />
  ) : null

  if (narrow) {
    // Phones: the list, or one conversation (details replace the thread when opened).
    return <div className="inbox inbox-narrow">{conversationId ? (detailsOpen && sidebar ? sidebar : thread) : list}</div>
  }
  return (
    <div className={`inbox${showSidebar ? ' with-sidebar' : ''}${!wide && detailsOpen ? ' sidebar-overlay' : ''}`}>
      {list}
      {thread}
      {sidebar}
    </div>
  )
}
