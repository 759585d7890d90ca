import { shortTime, STATUS_LABEL } from '../format.js'
import { nameOf, previewOf } from '../messages.js'
import type { LiveState } from '../live.js'
import type { Conversation, Tag, WaNumber } from '../types.js'
import { Icon } from './icons.js'
import { Avatar, Empty, ErrorNote, Loading } from './ui.js'

// The conversation list with its filters: Mine / Unassigned / All, status, number, tag and search.

export interface Filters {
  view: 'mine' | 'unassigned' | 'all'
  status: string
  numberId: string
  tag: string
  search: string
}

export const DEFAULT_FILTERS: Filters = { view: 'all', status: 'open', numberId: '', tag: '', search: '' }

export interface ConversationListProps {
  filters: Filters
  onFilters: (f: Filters) => void
  items: Conversation[]
  loading: boolean
  error: string | null
  hasMore: boolean
  onMore: () => void
  onRetry: () => void
  selectedId: string | null
  onSelect: (id: string) => void
  numbers: WaNumber[]
  tags: Tag[]
  live: LiveState
  canFilterMine: boolean
}

export function ConversationList(p: ConversationListProps) {
  const f = p.filters
  const set = (patch: Partial<Filters>) => p.onFilters({ ...f, ...patch })
  const numberName = (id: string) => p.numbers.find((n) => n.id === id)
  return (
    <section className="convs" aria-label="Conversations">
      <header className="convs-head">
        <div className="convs-title">
          <h1>Inbox</h1>
          <span className={`live-dot live-${p.live}`} title={p.live === 'live' ? 'Live updates on' : 'Reconnecting…'}>
            <span aria-hidden="true" />
            {p.live === 'live' ? 'Live' : p.live === 'connecting' ? 'Connecting' : 'Offline'}
          </span>
        </div>
        <div className="segmented" role="tablist" aria-label="Whose conversations">
          {(['mine', 'unassigned', 'all'] as const)
            .filter((v) => v !== 'mine' || p.canFilterMine)
            .map((v) => (
              <button
                key={v}
                type="button"
                role="tab"
                aria-selected={f.view === v}
                className={f.view === v ? 'active' : ''}
                onClick={() => set({ view: v })}
              >
                {v === 'mine' ? 'Mine' : v === 'unassigned' ? 'Unassigned' : 'All'}
              </button>
            ))}
        </div>
        <label className="search">
          <Icon name="search" size={17} />
          <input
            type="search"
            placeholder="Search name or phone"
            aria-label="Search conversations"
            value={f.search}
            onChange={(e) => set({ search: e.target.value })}
          />
        </label>
        <div className="filter-row">
          <select aria-label="Filter by status" value={f.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">Any status</option>
            {Object.entries(STATUS_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          {p.numbers.length > 1 ? (
            <select aria-label="Filter by number" value={f.numberId} onChange={(e) => set({ numberId: e.target.value })}>
              <option value="">All numbers</option>
              {p.numbers.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </select>
          ) : null}
          <select aria-label="Filter conversations by tag" value={f.tag} onChange={(e) => set({ tag: e.target.value })}>
            <option value="">Any tag</option>
            {p.tags.map((t) => (
              <option key={t.id} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      </header>
      <div className="convs-body" aria-busy={p.loading}>
        <ErrorNote error={p.error} onRetry={p.onRetry} />
        {p.loading && p.items.length === 0 ? <Loading label="Loading conversations…" /> : null}
        {!p.loading && !p.error && p.items.length === 0 ? (
          <Empty icon="inbox" title={f.search || f.tag || f.numberId || f.view !== 'all' || f.status ? 'No conversations match' : 'No conversations yet'}>
            {f.search || f.tag || f.numberId || f.view !== 'all' || f.status
              ? 'Try another filter, or All.'
              : 'When customers write to your WhatsApp number, their conversations appear here.'}
          </Empty>
        ) : null}
        <ul className="conv-items">
          {p.items.map((c) => {
            const num = numberName(c.number_id)
            const preview = c.last_message_preview ?? previewOf(c.last_message ?? null)
            const unread = c.unread_count > 0
            return (
              <li key={c.id}>
                <button
                  type="button"
                  className={`conv${c.id === p.selectedId ? ' selected' : ''}${unread ? ' unread' : ''}`}
                  onClick={() => p.onSelect(c.id)}
                  aria-current={c.id === p.selectedId ? 'true' : undefined}
                  data-conversation-id={c.id}
                  aria-label={`${nameOf(c)}${unread ? `, ${c.unread_count} unread` : ''}`}
                >
                  <Avatar name={c.customer_name ?? c.customer_phone} seed={c.contact_id ?? c.id} size={42} />
                  <span className="conv-main">
                    <span className="conv-line">
                      <span className="conv-name">{nameOf(c)}</span>
                      <time className="conv-time" dateTime={c.last_message_at ?? undefined}>
                        {shortTime(c.last_message_at)}
                      </time>
                    </span>
                    <span className="conv-line">
                      <span className="conv-preview">{preview || (c.customer_name ? c.customer_phone : '') || ' '}</span>
                      {unread ? (
                        <span className="unread-badge" aria-label={`${c.unread_count} unread`}>
                          {c.unread_count > 99 ? '99+' : c.unread_count}
                        </span>
                      ) : null}
                    </span>
                    <span className="conv-meta">
                      {c.customer_name && c.customer_phone ? <span>{c.customer_phone}</span> : null}
                      {num ? <span className="conv-number">→ {num.name}</span> : null}
                      {c.status !== 'open' ? <span className={`conv-status s-${c.status}`}>{STATUS_LABEL[c.status] ?? c.status}</span> : null}
                      {c.mode === 'ai' ? <span className="conv-status s-ai">AI</span> : null}
                    </span>
                  </span>
                </button>
              </li>
            )
          })}
        </ul>
        {p.hasMore ? (
          <button type="button" className="btn btn-ghost btn-block" onClick={p.onMore} disabled={p.loading}>
            {p.loading ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </div>
    </section>
  )
}
