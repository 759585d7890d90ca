import { useEffect, useRef, useState } from 'react'
import { api, errorMessage, get, withQuery } from '../api.js'
import { shortTime } from '../format.js'
import { useAsync, useDebounced } from '../hooks.js'
import { useSession } from '../session.js'
import type { Contact, ContactImport, Tag } from '../types.js'
import { Icon } from '../components/icons.js'
import { Avatar, Badge, Empty, ErrorNote, Loading, PageHeader, RoleNote } from '../components/ui.js'

// Contacts: search, filter by tag, CSV import with a progress bar (polling the import job), and an
// export link with the same filters (the session cookie authorises the download).

export function ContactsPage() {
  const { can } = useSession()
  const [search, setSearch] = useState('')
  const [tag, setTag] = useState('')
  const q = useDebounced(search, 250)
  const [pages, setPages] = useState<string[]>([])
  const tags = useAsync(async (signal) => (await get<Tag[]>('/v1/tags', { page_size: 200 }, signal)).data, [])
  const list = useAsync(
    async (signal) => get<Contact[]>('/v1/contacts', { search: q.trim() || undefined, tag: tag || undefined, page_size: 50, page_token: pages[pages.length - 1] }, signal),
    [q, tag, pages],
  )
  useEffect(() => setPages([]), [q, tag])
  const exportHref = withQuery('/v1/contacts/export', { search: q.trim() || undefined, tag: tag || undefined })

  return (
    <div className="page">
      <PageHeader
        title="Contacts"
        subtitle="Everyone who has written to you or that you imported, shared by all your numbers."
        actions={
          <>
            <a className="btn" href={exportHref} download>
              <Icon name="download" size={16} /> Export CSV
            </a>
            {can('contacts:write') ? <ImportButton onDone={() => { list.reload(); tags.reload() }} /> : null}
          </>
        }
      />
      {!can('contacts:write') ? <RoleNote>Your role can view contacts but not change them.</RoleNote> : null}
      <div className="toolbar">
        <label className="search">
          <Icon name="search" size={17} />
          <input type="search" placeholder="Search name or phone" aria-label="Search contacts" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <select aria-label="Filter by tag" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">All tags</option>
          {(tags.data ?? []).map((t) => (
            <option key={t.id} value={t.name}>
              {t.name} ({t.contact_count})
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading label="Loading contacts…" /> : null}
      {list.data && list.data.data.length === 0 ? (
        <Empty icon="contacts" title={q || tag ? 'No contacts match' : 'No contacts yet'}>
          {q || tag ? 'Try another search or tag.' : 'Import a CSV, or wait for customers to write in.'}
        </Empty>
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Phone</th>
                <th scope="col">Tags</th>
                <th scope="col" className="hide-narrow">Marketing</th>
                <th scope="col" className="hide-narrow">Added</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <span className="cell-person">
                      <Avatar name={c.name ?? c.phone} seed={c.id} size={30} />
                      <span>
                        {c.name ?? <span className="muted">No name</span>}
                        {c.email ? <span className="muted block small">{c.email}</span> : null}
                      </span>
                    </span>
                  </td>
                  <td className="mono">{c.phone}</td>
                  <td>
                    <span className="tag-list inline">
                      {c.tags.map((t) => (
                        <span key={t} className="tag">
                          {t}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td className="hide-narrow">{c.opted_out ? <Badge tone="red">Opted out</Badge> : <Badge tone="green">Subscribed</Badge>}</td>
                  <td className="hide-narrow muted">{shortTime(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="pager">
        {pages.length > 0 ? (
          <button type="button" className="btn btn-ghost" onClick={() => setPages((p) => p.slice(0, -1))}>
            Previous
          </button>
        ) : null}
        {list.data?.next_page_token ? (
          <button type="button" className="btn btn-ghost" onClick={() => setPages((p) => [...p, list.data?.next_page_token as string])}>
            Next
          </button>
        ) : null}
      </div>
    </div>
  )
}

function ImportButton({ onDone }: { onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null)
  const [job, setJob] = useState<ContactImport | null>(null)
  const [error, setError] = useState<string | null>(null)

  // Poll the import job until it finishes; the bar follows the share of the file read.
  useEffect(() => {
    if (!job || job.status !== 'running') return
    const t = setTimeout(async () => {
      try {
        const res = await get<ContactImport>(`/v1/contacts/imports/${job.id}`)
        setJob(res.data)
        if (res.data.status !== 'running') onDone()
      } catch (err) {
        setError(errorMessage(err))
      }
    }, 500)
    return () => clearTimeout(t)
  }, [job, onDone])

  async function upload(file: File) {
    setError(null)
    setJob(null)
    try {
      const res = await api<ContactImport>('POST', '/v1/contacts/import', { raw: file, contentType: 'text/csv' })
      setJob(res.data)
      if (res.data.status !== 'running') onDone()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <>
      <button type="button" className="btn btn-primary" onClick={() => input.current?.click()} disabled={job?.status === 'running'}>
        <Icon name="upload" size={16} /> Import CSV
      </button>
      <input
        ref={input}
        type="file"
        accept=".csv,text/csv"
        hidden
        aria-label="CSV file to import"
        onChange={(e) => {
          const f = e.target.files?.[0]
          e.target.value = ''
          if (f) void upload(f)
        }}
      />
      {job || error ? (
        <div className="import-panel card" role="status" aria-live="polite">
          <ErrorNote error={error} />
          {job ? (
            <>
              <div className="import-head">
                <strong>{job.status === 'running' ? 'Importing…' : job.status === 'completed' ? 'Import finished' : 'Import failed'}</strong>
                <span className="muted small">{Math.round(job.progress * 100)}%</span>
                <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => { setJob(null); setError(null) }}>
                  <Icon name="close" size={16} />
                </button>
              </div>
              <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)}>
                <span style={{ width: `${Math.round(job.progress * 100)}%` }} />
              </div>
              <p className="small">
                {job.created} created · {job.updated} updated · {job.invalid} invalid
              </p>
              {job.failure ? <p className="field-error">{job.failure}</p> : null}
              {job.errors.length ? (
                <ul className="import-errors">
                  {job.errors.slice(0, 8).map((e, i) => (
                    <li key={i}>
                      Row {e.row}, {e.column}: {e.problem}
                    </li>
                  ))}
                  {job.errors.length > 8 ? <li className="muted">…and {job.errors.length - 8} more</li> : null}
                </ul>
              ) : null}
            </>
          ) : null}
        </div>
      ) : null}
    </>
  )
}
