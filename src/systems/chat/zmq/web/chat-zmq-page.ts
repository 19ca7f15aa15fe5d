/** The ZeroMQ chat page: the servers' table with stop/start, and a chat panel with a live feed (SSE). */
export function chatZmqPage(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mensageiro · chat over ZeroMQ</title>
<style>
  :root { color-scheme: light dark; --fg: #1d2230; --muted: #5f6675; --line: #e1e4eb; --panel: #f6f7f9; --accent: #2450d8; --ok: #15803d; --bad: #b91c1c; --star: #b7791f; --input: #fff; }
  @media (prefers-color-scheme: dark) {
    :root { --fg: #e6e8ee; --muted: #9aa3af; --line: #2f3540; --panel: #1b1f26; --accent: #6b8cff; --ok: #4ade80; --bad: #f87171; --star: #f6c453; --input: #12151a; }
  }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: var(--fg); }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; } h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
  p.lead, .hint { color: var(--muted); margin-top: 0; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: .85rem; }
  td.num { font-variant-numeric: tabular-nums; text-align: right; }
  tr.down td:not(.action) { color: var(--muted); }
  .state.up { color: var(--ok); font-weight: 600; } .state.down { color: var(--bad); font-weight: 600; }
  .role.coordinator { color: var(--star); font-weight: 600; }
  input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 5px; background: var(--input); color: var(--fg); }
  button { background: var(--accent); color: #fff; border: none; cursor: pointer; }
  button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
  button:disabled { opacity: .55; cursor: wait; }
  form { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0; } form input { flex: 1; min-width: 8rem; }
  .cols { display: grid; grid-template-columns: minmax(14rem, 1fr) 2.2fr; gap: 1rem; }
  @media (max-width: 44rem) { .cols { grid-template-columns: 1fr; } }
  .panel { background: var(--panel); border-radius: 10px; padding: .8rem 1rem; }
  ul.names { list-style: none; padding: 0; margin: 0; } ul.names li { display: flex; justify-content: space-between; align-items: center; padding: .2rem 0; gap: .4rem; }
  ul.names li.joined span { font-weight: 600; }
  #notice.error { color: var(--bad); } #notice.ok { color: var(--ok); }
  #feed-status { font-size: .85rem; color: var(--muted); } #feed-status[data-state="live"] { color: var(--ok); }
  ol#feed { list-style: none; padding: 0; margin: .4rem 0 0; max-height: 28rem; overflow-y: auto; }
  ol#feed li { display: grid; grid-template-columns: minmax(4rem, 9rem) minmax(4rem, 9rem) 1fr auto auto; gap: .6rem; padding: .3rem .2rem; border-bottom: 1px solid var(--line); align-items: baseline; }
  ol#feed .where { color: var(--accent); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  ol#feed li[data-kind="dm"] .where { color: var(--star); }
  ol#feed .author { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  ol#feed .text { white-space: pre-wrap; word-break: break-word; }
  ol#feed time, ol#feed .clock { color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>Chat over ZeroMQ</h1>
<p class="lead">The FEI CC7261 topology, running in this process: a broker (ROUTER/DEALER) deals each request to one of three
servers, a proxy (XSUB/XPUB) carries publications, and a reference service hands out ranks. The servers replicate every
write, sync their clocks (Berkeley) and elect a coordinator (bully). Stop the coordinator and watch another take over;
start it again and watch it catch up.</p>

<h2>Servers</h2>
<p id="coordinator">coordinator: …</p>
<table id="servers">
  <thead><tr><th>name</th><th>rank</th><th>role</th><th>state</th><th class="num">ops held</th><th class="num">clock offset ms</th><th class="num">Berkeley rounds</th><th class="num">elections</th><th></th></tr></thead>
  <tbody></tbody>
</table>
<p class="hint"><span id="counts"></span> <span id="lists-error"></span></p>

<h2>Chat</h2>
<div class="cols">
  <div class="panel">
    <form id="login-form"><input id="user" placeholder="your name" maxlength="64" autocomplete="off"><button id="login">Log in</button></form>
    <p id="whoami" class="hint">not logged in</p>
    <h3>Channels</h3>
    <ul id="channels" class="names"></ul>
    <form id="channel-form"><input id="new-channel" placeholder="new channel" maxlength="64" autocomplete="off"><button id="create">Create</button></form>
    <h3>Users</h3>
    <ul id="users" class="names"></ul>
  </div>
  <div class="panel">
    <form id="publish-form"><select id="publish-channel" aria-label="channel"></select><input id="message" placeholder="message to the channel" maxlength="4096" autocomplete="off"><button id="publish">Publish</button></form>
    <form id="dm-form"><input id="dst" list="user-names" placeholder="to user" maxlength="64" autocomplete="off"><datalist id="user-names"></datalist><input id="dm-message" placeholder="direct message" maxlength="4096" autocomplete="off"><button id="send-dm">Send</button></form>
    <p id="notice"></p>
    <p id="feed-status" data-state="offline">feed: log in to receive messages</p>
    <ol id="feed"></ol>
  </div>
</div>
<script>
const base = ${JSON.stringify(base)};
const FEED_MAX = 200;
const $ = (id) => document.getElementById(id);
let me = null;
let joined = [];
let knownChannels = [];
let source = null;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
function notice(text, kind) { const n = $('notice'); n.textContent = text; n.className = kind || ''; }
async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) throw new Error((data && data.error) || ('HTTP ' + res.status));
  return data;
}
function save() { try { localStorage.setItem('chat-zmq', JSON.stringify({ me, joined })); } catch { /* private mode */ } }

// Servers' table: rows are made once and their cells updated, so a button keeps its place between refreshes.
function row(name) {
  let tr = document.querySelector('#servers tbody tr[data-server="' + CSS.escape(name) + '"]');
  if (tr) return tr;
  tr = el('tr', { 'data-server': name });
  for (const cls of ['name', 'rank', 'role', 'state', 'num ops', 'num offset', 'num rounds', 'num elections', 'action']) tr.appendChild(el('td', { class: cls }));
  tr.querySelector('.action').appendChild(el('button', { type: 'button' }));
  $('servers').querySelector('tbody').appendChild(tr);
  return tr;
}
function renderServers(state) {
  $('coordinator').textContent = 'coordinator: ' + (state.coordinator || 'electing…');
  $('coordinator').dataset.coordinator = state.coordinator || '';
  for (const s of state.servers) {
    const tr = row(s.name), st = s.status;
    const cell = (cls, text) => { tr.querySelector('.' + cls).textContent = text; };
    tr.className = s.up ? 'up' : 'down';
    cell('name', s.name);
    cell('rank', s.rank === null ? '—' : String(s.rank));
    const role = tr.querySelector('.role');
    const leads = s.name === state.coordinator;
    role.textContent = !s.up ? '' : leads ? '★ coordinator' : st && st.coordinator ? 'follows ' + st.coordinator : 'electing…';
    role.className = 'role' + (leads ? ' coordinator' : '');
    const stateCell = tr.querySelector('.state');
    stateCell.textContent = s.changing ? (s.up ? 'stopping…' : 'starting…') : s.up ? (st ? 'up' : 'up, not answering') : 'down';
    stateCell.className = 'state ' + (s.up ? 'up' : 'down');
    stateCell.title = s.error || '';
    cell('ops', st ? String(st.ops) : '—');
    cell('offset', st ? st.offsetMs.toFixed(2) : '—');
    cell('rounds', st ? String(st.berkeleyRounds) : '—');
    cell('elections', st ? String(st.elections) : '—');
    const button = tr.querySelector('.action button');
    if (!button.dataset.pending) {
      button.textContent = s.up ? 'Stop' : 'Start';
      button.className = s.up ? 'stop' : 'start secondary';
      button.disabled = s.changing;
    }
  }
}
$('servers').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const name = button.closest('tr').dataset.server;
  const action = button.classList.contains('stop') ? 'stop' : 'start';
  button.dataset.pending = '1';
  button.disabled = true;
  button.textContent = action === 'stop' ? 'stopping…' : 'starting…';
  try {
    await post('/servers/' + encodeURIComponent(name) + '/' + action);
    notice('server ' + name + (action === 'stop' ? ' stopped' : ' started'), 'ok');
  } catch (err) { notice(err.message, 'error'); }
  finally { delete button.dataset.pending; refresh(); }
});

function renderLists(state) {
  $('lists-error').textContent = state.listError || '';
  if (typeof state.sessions === 'number') $('counts').textContent = state.sessions + ' chat sessions open here · ' + state.feeds + ' live feeds';
  if (state.channels) knownChannels = state.channels;
  if (state.users) {
    $('users').replaceChildren(...state.users.map((name) => el('li', { 'data-user': name }, name === me ? name + ' (you)' : name)));
    $('user-names').replaceChildren(...state.users.map((name) => el('option', { value: name })));
  }
  renderChannels();
}
function renderChannels(chosen) {
  $('channels').replaceChildren(...knownChannels.map((name) => {
    const isJoined = joined.includes(name);
    const li = el('li', { 'data-channel': name, class: isJoined ? 'joined' : '' });
    li.appendChild(el('span', {}, '#' + name));
    li.appendChild(el('button', { type: 'button', class: isJoined ? 'leave secondary' : 'join' }, isJoined ? 'leave' : 'join'));
    return li;
  }));
  const select = $('publish-channel');
  if (document.activeElement === select && chosen === undefined) return;
  const keep = chosen !== undefined ? chosen : select.value;
  select.replaceChildren(...joined.map((name) => el('option', { value: name }, '#' + name)));
  if (joined.includes(keep)) select.value = keep;
}
$('channels').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const name = button.closest('li').dataset.channel;
  const join = button.classList.contains('join');
  joined = join ? [...joined, name] : joined.filter((c) => c !== name);
  save();
  listen();
  renderChannels(join ? name : undefined);
});

let lastState = null;
async function refresh() {
  try {
    const res = await fetch(base + '/state');
    if (!res.ok) return;
    lastState = await res.json();
    renderServers(lastState);
    renderLists(lastState);
  } catch { /* the next tick tries again */ }
}

// The live feed: one EventSource for my name (direct messages) and the channels joined, reopened when they change.
function listen() {
  if (source) source.close();
  source = null;
  const status = $('feed-status');
  if (!me) { status.dataset.state = 'offline'; status.textContent = 'feed: log in to receive messages'; return; }
  status.dataset.state = 'connecting';
  status.textContent = 'feed: connecting…';
  const url = base + '/events?user=' + encodeURIComponent(me) + '&channels=' + encodeURIComponent(joined.map(encodeURIComponent).join(','));
  const es = new EventSource(url);
  source = es;
  es.addEventListener('ready', (event) => {
    const ready = JSON.parse(event.data);
    status.dataset.state = 'live';
    status.dataset.channels = JSON.stringify(ready.channels);
    status.textContent = 'feed: live — direct messages to ' + ready.user + (ready.channels.length ? ', ' + ready.channels.map((c) => '#' + c).join(', ') : '');
  });
  es.addEventListener('publication', (event) => addToFeed(JSON.parse(event.data)));
  es.addEventListener('error', () => {
    if (source !== es) return;
    status.dataset.state = 'connecting';
    status.textContent = 'feed: reconnecting…';
  });
}
function addToFeed(p) {
  const li = el('li', { 'data-kind': p.kind, 'data-topic': p.topic });
  const where = p.kind === 'channel' ? '#' + p.channel : 'dm';
  li.appendChild(el('span', { class: 'where', title: where }, where));
  li.appendChild(el('span', { class: 'author', title: p.user }, p.user));
  li.appendChild(el('span', { class: 'text' }, p.message));
  const when = p.at === null ? '' : new Date(p.at).toLocaleTimeString();
  li.appendChild(el('time', p.at === null ? {} : { datetime: new Date(p.at).toISOString() }, when));
  li.appendChild(el('span', { class: 'clock', title: 'Lamport clock' }, p.clock === null ? '' : 'L' + p.clock));
  const feed = $('feed');
  feed.insertBefore(li, feed.firstChild);
  while (feed.children.length > FEED_MAX) feed.lastChild.remove();
}

function form(id, handler) {
  $(id).addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $(id).querySelector('button');
    button.disabled = true;
    try { await handler(); } catch (err) { notice(err.message, 'error'); }
    finally { button.disabled = false; }
  });
}
function needLogin() { if (!me) throw new Error('log in first: type a name and press Log in'); }
form('login-form', async () => {
  const user = $('user').value;
  await post('/login', { user });
  me = user;
  $('whoami').textContent = 'logged in as ' + user;
  $('whoami').dataset.user = user;
  notice('logged in as ' + user, 'ok');
  save();
  listen();
  refresh();
});
form('channel-form', async () => {
  const channel = $('new-channel').value;
  await post('/channel', me ? { channel, user: me } : { channel });
  $('new-channel').value = '';
  notice('channel #' + channel + ' created: join it to follow it', 'ok');
  await refresh();
});
form('publish-form', async () => {
  needLogin();
  const channel = $('publish-channel').value;
  if (!channel) throw new Error('join a channel first: the list on the left');
  await post('/publish', { user: me, channel, message: $('message').value });
  $('message').value = '';
  notice('published to #' + channel, 'ok');
});
form('dm-form', async () => {
  needLogin();
  const dst = $('dst').value;
  await post('/message', { src: me, dst, message: $('dm-message').value });
  $('dm-message').value = '';
  notice('sent to ' + dst, 'ok');
});

try {
  const saved = JSON.parse(localStorage.getItem('chat-zmq') || 'null');
  if (saved && typeof saved.me === 'string') {
    me = saved.me;
    joined = Array.isArray(saved.joined) ? saved.joined.filter((c) => typeof c === 'string') : [];
    $('user').value = me;
    $('whoami').textContent = 'logged in as ' + me;
    $('whoami').dataset.user = me;
    listen();
  }
} catch { /* nothing saved */ }
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
}
