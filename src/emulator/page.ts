// GET / : a phone-shaped page to play a customer by hand. Self-contained (no build, no CDN), and it
// talks only to the control API, like any other client of the emulator.

export const pageHtml = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp emulator</title>
<style>
  :root { --green: #008069; --bubble-in: #fff; --bubble-out: #d9fdd3; --bg: #efeae2; --muted: #667781; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; gap: 32px;
         background: #d1d7db; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111b21; }
  .phone { width: 380px; height: 740px; border-radius: 36px; background: #111; padding: 12px; box-shadow: 0 20px 50px rgba(0,0,0,.25); }
  .screen { height: 100%; border-radius: 26px; overflow: hidden; display: flex; flex-direction: column; background: var(--bg); }
  header { background: var(--green); color: #fff; padding: 14px 16px; }
  header .name { font-weight: 600; font-size: 16px; }
  header .sub { font-size: 12px; opacity: .85; }
  .setup { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; padding: 8px; background: #f0f2f5; border-bottom: 1px solid #e9edef; }
  .setup label { font-size: 11px; color: var(--muted); display: flex; flex-direction: column; gap: 2px; }
  .setup label.wide { grid-column: 1 / -1; }
  .setup input, .setup select { font: inherit; padding: 5px 7px; border: 1px solid #d1d7db; border-radius: 6px; background: #fff; }
  #chat { flex: 1; overflow-y: auto; padding: 12px 10px; display: flex; flex-direction: column; gap: 4px; }
  .msg { max-width: 80%; padding: 6px 8px 4px; border-radius: 8px; box-shadow: 0 1px .5px rgba(11,20,26,.13); white-space: pre-wrap; word-wrap: break-word; }
  .msg.biz { align-self: flex-start; background: var(--bubble-in); border-top-left-radius: 0; }
  .msg.me { align-self: flex-end; background: var(--bubble-out); border-top-right-radius: 0; }
  .msg .meta { font-size: 11px; color: var(--muted); text-align: right; margin-top: 2px; }
  .msg .kind { font-size: 11px; color: var(--green); font-weight: 600; }
  .msg .err { color: #c0392b; font-size: 12px; }
  .msg .buttons { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; }
  .msg .buttons button { font: inherit; color: #027eb5; background: #fff; border: 1px solid #e9edef; border-radius: 6px; padding: 4px; cursor: pointer; }
  .tick { margin-left: 4px; letter-spacing: -3px; }
  .tick.read { color: #53bdeb; }
  .empty { margin: auto; color: var(--muted); text-align: center; font-size: 13px; }
  form { display: flex; gap: 6px; padding: 8px; background: #f0f2f5; }
  form input { flex: 1; font: inherit; padding: 9px 12px; border: 0; border-radius: 20px; }
  form button { border: 0; border-radius: 50%; width: 40px; height: 40px; background: var(--green); color: #fff; font-size: 18px; cursor: pointer; }
  .side { width: 300px; font-size: 13px; color: #3b4a54; }
  .side h1 { font-size: 18px; margin: 0 0 8px; }
  .side code { background: #fff; padding: 1px 4px; border-radius: 4px; }
  #status { color: var(--muted); font-size: 12px; min-height: 1.4em; }
</style>
</head>
<body>
<div class="phone"><div class="screen">
  <header><div class="name" id="bizName">No business number</div><div class="sub" id="bizSub">Register one with PUT /_emulator/numbers/:id</div></header>
  <div class="setup">
    <label class="wide">Business number <select id="number"></select></label>
    <label>Your phone <input id="phone" value="+15551234567"></label>
    <label>Your name <input id="custName" value="Sheena Nelson"></label>
  </div>
  <div id="chat"><div class="empty">Messages between you and the business appear here.</div></div>
  <form id="composer"><input id="text" placeholder="Message" autocomplete="off"><button title="Send">&#10148;</button></form>
</div></div>
<div class="side">
  <h1>WhatsApp Cloud API emulator</h1>
  <p>Play a customer: pick the business number, your phone and name, and write. The business's answers
  appear with their ticks (&#10003; sent, &#10003;&#10003; delivered, <span style="color:#53bdeb">&#10003;&#10003;</span> read).</p>
  <p>Graph API at <code>/v23.0/…</code>, control API at <code>/_emulator/…</code>.</p>
  <p id="status"></p>
</div>
<script>
(() => {
  const $ = (id) => document.getElementById(id)
  const state = { numbers: [], mine: [], outbox: [] }
  const key = () => $('number').value + '|' + $('phone').value.replace(/\\D/g, '')
  const mineStore = {}

  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])) }
  function time(unix) { return new Date(Number(unix) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }
  function status(text) { $('status').textContent = text }

  async function api(path, init) {
    const res = await fetch(path, init && { ...init, headers: { 'content-type': 'application/json' } })
    const body = await res.json().catch(() => ({}))
    if (!res.ok) throw new Error(body.message || ('HTTP ' + res.status))
    return body
  }

  async function loadNumbers() {
    const { data } = await api('/_emulator/numbers')
    const current = $('number').value
    state.numbers = data
    $('number').innerHTML = data.map((n) => '<option value="' + esc(n.phone_number_id) + '">' + esc(n.verified_name + ' · ' + n.display_phone_number) + '</option>').join('')
    if (current && data.some((n) => n.phone_number_id === current)) $('number').value = current
    header()
  }

  function header() {
    const n = state.numbers.find((x) => x.phone_number_id === $('number').value)
    $('bizName').textContent = n ? n.verified_name : 'No business number'
    $('bizSub').textContent = n ? n.display_phone_number + ' · id ' + n.phone_number_id : 'Register one with PUT /_emulator/numbers/:id'
  }

  function describe(e) {
    const b = e.body, t = e.type
    if (t === 'text') return { text: b.text.body }
    if (t === 'template') {
      const params = (b.template.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text ?? p.payload ?? p.type))
      return { kind: 'Template ' + b.template.name + ' (' + b.template.language.code + ')', text: params.length ? params.join(' · ') : '' }
    }
    if (['image', 'video', 'audio', 'document', 'sticker'].includes(t)) return { kind: t, text: b[t].caption || b[t].filename || b[t].link || ('media ' + b[t].id) }
    if (t === 'interactive') {
      const i = b.interactive
      const buttons = i.type === 'button' ? i.action.buttons.map((x) => ({ id: x.reply.id, title: x.reply.title, kind: 'button_reply' }))
        : i.type === 'list' ? i.action.sections.flatMap((s) => s.rows.map((r) => ({ id: r.id, title: r.title, kind: 'list_reply' }))) : []
      return { kind: 'interactive ' + i.type, text: (i.body && i.body.text) || '', buttons }
    }
    if (t === 'reaction') return { kind: 'reaction', text: (b.reaction.emoji || '(removed)') }
    if (t === 'location') return { kind: 'location', text: [b.location.name, b.location.address, b.location.latitude + ', ' + b.location.longitude].filter(Boolean).join('\\n') }
    if (t === 'contacts') return { kind: 'contacts', text: b.contacts.map((c) => c.name.formatted_name).join(', ') }
    return { kind: t, text: '' }
  }

  function tick(s) {
    if (s === 'failed') return '<span class="tick" style="color:#c0392b">!</span>'
    if (s === 'read') return '<span class="tick read">&#10003;&#10003;</span>'
    if (s === 'delivered') return '<span class="tick">&#10003;&#10003;</span>'
    if (s === 'sent') return '<span class="tick">&#10003;</span>'
    return '<span class="tick">&#128339;</span>'
  }

  function render() {
    const mine = (mineStore[key()] || []).map((m) => ({ at: Number(m.timestamp), html: '<div class="msg me">' + esc(m.text) + '<div class="meta">' + time(m.timestamp) + '</div></div>' }))
    const theirs = state.outbox.map((e) => {
      const d = describe(e)
      const buttons = (d.buttons || []).map((b) => '<button data-reply="' + esc(JSON.stringify({ ...b, context: e.wamid })) + '">' + esc(b.title) + '</button>').join('')
      const errs = e.errors.map((x) => '<div class="err">' + esc(x.code + ' ' + x.title) + '</div>').join('')
      return { at: Number(e.accepted_at), html: '<div class="msg biz">' + (d.kind ? '<div class="kind">' + esc(d.kind) + '</div>' : '') + esc(d.text) +
        (buttons ? '<div class="buttons">' + buttons + '</div>' : '') + errs + '<div class="meta">' + time(e.accepted_at) + tick(e.status) + '</div></div>' }
    })
    const all = mine.concat(theirs).sort((a, b) => a.at - b.at)
    const chat = $('chat')
    const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40
    chat.innerHTML = all.length ? all.map((x) => x.html).join('') : '<div class="empty">Messages between you and the business appear here.</div>'
    if (atBottom) chat.scrollTop = chat.scrollHeight
  }

  async function poll() {
    const id = $('number').value
    const phone = $('phone').value
    if (!id || !phone) return
    try {
      const { data } = await api('/_emulator/outbox?phone_number_id=' + encodeURIComponent(id) + '&to=' + encodeURIComponent(phone))
      state.outbox = data
      render()
    } catch (err) { status(err.message) }
  }

  async function send(body, shown) {
    const n = state.numbers.find((x) => x.phone_number_id === $('number').value)
    if (!n) { status('Register a business number first.'); return }
    const phone = $('phone').value
    try {
      const res = await api('/_emulator/customers/' + encodeURIComponent(phone) + '/messages', {
        method: 'POST', body: JSON.stringify({ ...body, phone_number_id: n.phone_number_id, name: $('custName').value || 'Customer' }),
      })
      ;(mineStore[key()] = mineStore[key()] || []).push({ text: shown, timestamp: res.timestamp })
      status('Sent ' + res.wamid.slice(0, 24) + '…')
      render()
    } catch (err) { status(err.message) }
  }

  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const text = $('text').value.trim()
    if (!text) return
    $('text').value = ''
    send({ type: 'text', text }, text)
  })
  $('chat').addEventListener('click', (ev) => {
    const raw = ev.target instanceof HTMLElement && ev.target.dataset.reply
    if (!raw) return
    const b = JSON.parse(raw)
    send({ type: 'interactive', interactive: { type: b.kind, [b.kind]: { id: b.id, title: b.title } }, context: { message_id: b.context } }, b.title)
  })
  $('number').addEventListener('change', () => { header(); poll() })
  $('phone').addEventListener('change', poll)

  loadNumbers().then(poll).catch((err) => status(err.message))
  setInterval(poll, 1000)
  setInterval(() => loadNumbers().catch(() => {}), 5000)
})()
</script>
</body>
</html>
`
