// The ZeroMQ chat page: the servers' table (stop and start each), and a chat: log in and out, channels, users
// online, publishing, direct messages, and a live feed that starts with the recent history.
import { $, base, el, poll, request } from './page-client.browser.js';

/** @typedef {{ rank: number, coordinator: string | null, ops: number, offsetMs: number, berkeleyRounds: number, elections: number }} PeerStatus */
/** @typedef {{ name: string, up: boolean, changing: boolean, rank: number | null, status?: PeerStatus, error?: string }} ServerRow */
/**
 * @typedef {{ servers: ServerRow[], coordinator: string | null, users: string[] | null, channels: string[] | null, listError?: string,
 *   sessions: number, online: string[], feeds: number }} ChatState
 */
/** @typedef {{ id: string | null, kind: 'channel' | 'dm', topic: string, channel?: string, user: string, message: string, at: number | null, clock: number | null }} FeedEvent */

const FEED_MAX = 200;
const STORAGE_KEY = 'chat-zmq';

/** @type {string | null} */
let me = null;
/** @type {string[]} */
let joined = [];
/** @type {string[]} */
let knownChannels = [];
/** @type {string[]} */
let online = [];
/** @type {EventSource | null} */
let source = null;

/** @param {string} text @param {'ok' | 'error' | ''} [kind] */
function notice(text, kind = '') {
  const line = $('notice');
  line.textContent = text;
  line.className = kind;
}

function save() {
  try {
    if (me === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, JSON.stringify({ me, joined }));
  } catch {
    // private mode: nothing is remembered across reloads
  }
}

// ---- servers' table: rows are made once and their cells updated, so a button keeps its place between refreshes.

/** @param {string} name */
function serverRow(name) {
  const tbody = /** @type {HTMLElement} */ ($('servers').querySelector('tbody'));
  let tr = tbody.querySelector(`tr[data-server="${CSS.escape(name)}"]`);
  if (tr) return tr;
  tr = el('tr', { 'data-server': name });
  for (const cls of ['name', 'rank', 'role', 'state', 'num ops', 'num offset', 'num rounds', 'num elections', 'action']) tr.append(el('td', { class: cls }));
  /** @type {HTMLElement} */ (tr.querySelector('.action')).append(el('button', { type: 'button' }));
  tbody.append(tr);
  return tr;
}

/** @param {Element} tr @param {string} cls */
const cellOf = (tr, cls) => /** @type {HTMLElement} */ (tr.querySelector(`.${cls}`));

/** @param {ChatState} state */
function renderServers(state) {
  $('coordinator').textContent = `coordinator: ${state.coordinator ?? 'electing…'}`;
  $('coordinator').dataset.coordinator = state.coordinator ?? '';
  for (const s of state.servers) {
    const tr = serverRow(s.name);
    const st = s.status;
    tr.className = s.up ? 'up' : 'down';
    cellOf(tr, 'name').textContent = s.name;
    cellOf(tr, 'rank').textContent = s.rank === null ? '—' : String(s.rank);
    const leads = s.name === state.coordinator;
    const role = cellOf(tr, 'role');
    role.textContent = !s.up ? '' : leads ? '★ coordinator' : st?.coordinator ? `follows ${st.coordinator}` : 'electing…';
    role.className = `role${leads ? ' coordinator' : ''}`;
    const stateCell = cellOf(tr, 'state');
    stateCell.textContent = s.changing ? (s.up ? 'stopping…' : 'starting…') : s.up ? (st ? 'up' : 'up, not answering') : 'down';
    stateCell.className = `state ${s.up ? 'up' : 'down'}`;
    stateCell.title = s.error ?? '';
    cellOf(tr, 'ops').textContent = st ? String(st.ops) : '—';
    cellOf(tr, 'offset').textContent = st ? st.offsetMs.toFixed(2) : '—';
    cellOf(tr, 'rounds').textContent = st ? String(st.berkeleyRounds) : '—';
    cellOf(tr, 'elections').textContent = st ? String(st.elections) : '—';
    const button = /** @type {HTMLButtonElement} */ (tr.querySelector('.action button'));
    if (!button.dataset.pending) {
      button.textContent = s.up ? 'Stop' : 'Start';
      button.className = s.up ? 'stop' : 'start secondary';
      button.disabled = s.changing;
    }
  }
}

/** Nobody can vouch for the servers any more: no row stays green. */
function serversUnknown() {
  $('coordinator').textContent = 'coordinator: unknown';
  $('coordinator').dataset.coordinator = '';
  for (const tr of $('servers').querySelectorAll('tbody tr')) {
    tr.className = 'unknown';
    const stateCell = cellOf(tr, 'state');
    stateCell.textContent = 'unknown';
    stateCell.className = 'state';
    cellOf(tr, 'role').textContent = '';
  }
  $('counts').textContent = '';
}

$('servers').addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button');
  if (!button) return;
  const name = /** @type {HTMLElement} */ (button.closest('tr')).dataset.server ?? '';
  const action = button.classList.contains('stop') ? 'stop' : 'start';
  button.dataset.pending = '1';
  button.disabled = true;
  button.textContent = action === 'stop' ? 'stopping…' : 'starting…';
  request(`/servers/${encodeURIComponent(name)}/${action}`, { body: {} })
    .then(() => notice(`server ${name} ${action === 'stop' ? 'stopped' : 'started'}`, 'ok'))
    .catch((/** @type {Error} */ err) => notice(err.message, 'error'))
    .finally(() => {
      delete button.dataset.pending;
      void refresh().catch(() => {});
    });
});

// ---- channels and users

/** @param {ChatState} state */
function renderLists(state) {
  $('lists-error').textContent = state.listError ?? '';
  $('counts').textContent = `${state.sessions} chat sessions open here · ${state.feeds} live feeds`;
  online = state.online;
  if (state.channels) knownChannels = state.channels;
  if (state.users) {
    // Online first, then everyone else who ever logged in.
    const users = [...state.users].sort((a, b) => Number(online.includes(b)) - Number(online.includes(a)));
    $('users').replaceChildren(
      ...users.map((name) => {
        const li = el('li', { 'data-user': name, class: online.includes(name) ? 'online' : '' });
        li.append(el('span', { title: online.includes(name) ? 'online' : 'offline' }, name === me ? `${name} (you)` : name));
        return li;
      }),
    );
    $('user-names').replaceChildren(...state.users.map((name) => el('option', { value: name })));
  }
  renderChannels();
}

/** @param {string} [chosen] the channel to select for publishing */
function renderChannels(chosen) {
  $('channels').replaceChildren(
    ...knownChannels.map((name) => {
      const isJoined = joined.includes(name);
      const li = el('li', { 'data-channel': name, class: isJoined ? 'joined' : '' });
      li.append(el('span', {}, `#${name}`));
      li.append(el('button', { type: 'button', class: isJoined ? 'leave secondary' : 'join' }, isJoined ? 'leave' : 'join'));
      return li;
    }),
  );
  const select = /** @type {HTMLSelectElement} */ ($('publish-channel'));
  if (document.activeElement === select && chosen === undefined) return;
  const keep = chosen ?? select.value;
  select.replaceChildren(...joined.map((name) => el('option', { value: name }, `#${name}`)));
  if (joined.includes(keep)) select.value = keep;
}

$('channels').addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button');
  if (!button) return;
  const name = /** @type {HTMLElement} */ (button.closest('li')).dataset.channel ?? '';
  const join = button.classList.contains('join');
  joined = join ? [...joined, name] : joined.filter((c) => c !== name);
  save();
  listen();
  renderChannels(join ? name : undefined);
});

async function refresh() {
  /** @type {ChatState} */
  const state = await request('/state', { timeoutMs: 10_000 });
  renderServers(state);
  renderLists(state);
}

// ---- the live feed: one EventSource for my name (direct messages) and the channels joined, reopened when they change.

function listen() {
  source?.close();
  source = null;
  const status = $('feed-status');
  if (!me) {
    status.dataset.state = 'offline';
    status.textContent = 'feed: log in to receive messages';
    return;
  }
  status.dataset.state = 'connecting';
  status.textContent = 'feed: connecting…';
  const channels = joined.map(encodeURIComponent).join(',');
  const es = new EventSource(`${base}/events?user=${encodeURIComponent(me)}&channels=${encodeURIComponent(channels)}`);
  source = es;
  es.addEventListener('ready', (event) => {
    const ready = JSON.parse(/** @type {MessageEvent} */ (event).data);
    status.dataset.state = 'live';
    status.dataset.channels = JSON.stringify(ready.channels);
    status.textContent = `feed: live — direct messages to ${ready.user}${ready.channels.length ? `, ${ready.channels.map((/** @type {string} */ c) => `#${c}`).join(', ')}` : ''}`;
  });
  es.addEventListener('history', (event) => {
    const history = JSON.parse(/** @type {MessageEvent} */ (event).data);
    if (Array.isArray(history)) for (const item of history) addToFeed(item);
    else notice(history.error, 'error');
  });
  es.addEventListener('publication', (event) => addToFeed(JSON.parse(/** @type {MessageEvent} */ (event).data)));
  es.addEventListener('error', () => {
    if (source !== es) return;
    status.dataset.state = 'connecting';
    status.textContent = 'feed: reconnecting…';
  });
}

/** Adds a message in Lamport order, newest on top; one already shown (history and live both bring it) is skipped. @param {FeedEvent} p */
function addToFeed(p) {
  const feed = $('feed');
  if (p.id !== null && feed.querySelector(`li[data-id="${CSS.escape(p.id)}"]`)) return;
  const li = el('li', { 'data-kind': p.kind, 'data-topic': p.topic, 'data-clock': String(p.clock ?? 0), ...(p.id === null ? {} : { 'data-id': p.id }) });
  const where = p.kind === 'channel' ? `#${p.channel}` : 'dm';
  li.append(el('span', { class: 'where', title: where }, where));
  li.append(el('span', { class: 'author', title: p.user }, p.user));
  li.append(el('span', { class: 'text' }, p.message));
  li.append(el('time', p.at === null ? {} : { datetime: new Date(p.at).toISOString() }, p.at === null ? '' : new Date(p.at).toLocaleTimeString()));
  li.append(el('span', { class: 'clock', title: 'Lamport clock' }, p.clock === null ? '' : `L${p.clock}`));
  const clock = p.clock ?? Number.MAX_SAFE_INTEGER;
  const after = [...feed.children].find((item) => Number(/** @type {HTMLElement} */ (item).dataset.clock) < clock);
  feed.insertBefore(li, after ?? null);
  while (feed.children.length > FEED_MAX) feed.lastElementChild?.remove();
}

// ---- forms

/** @param {string} id @param {() => Promise<void>} handler */
function form(id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ ($(id).querySelector('button'));
    button.disabled = true;
    handler()
      .catch((/** @type {Error} */ err) => notice(err.message, 'error'))
      .finally(() => {
        button.disabled = false;
      });
  });
}

function needLogin() {
  if (!me) throw new Error('log in first: type a name and press Log in');
  return me;
}

/** @param {string | null} user */
function showSession(user) {
  $('whoami').textContent = user === null ? 'not logged in' : `logged in as ${user}`;
  if (user === null) delete $('whoami').dataset.user;
  else $('whoami').dataset.user = user;
  $('logout').hidden = user === null;
}

form('login-form', async () => {
  const user = /** @type {HTMLInputElement} */ ($('user')).value;
  await request('/login', { body: { user } });
  if (me !== user) $('feed').replaceChildren();
  me = user;
  showSession(user);
  notice(`logged in as ${user}`, 'ok');
  save();
  listen();
  await refresh();
});

$('logout').addEventListener('click', () => {
  const user = me;
  if (user === null) return;
  me = null;
  joined = [];
  save();
  listen();
  showSession(null);
  $('feed').replaceChildren();
  renderChannels();
  request('/logout', { body: { user } })
    .then(() => notice(`${user} logged out`, 'ok'))
    .catch((/** @type {Error} */ err) => notice(`logged out here; the server did not hear it: ${err.message}`, 'error'))
    .finally(() => void refresh().catch(() => {}));
});

form('channel-form', async () => {
  const input = /** @type {HTMLInputElement} */ ($('new-channel'));
  const channel = input.value;
  await request('/channel', { body: me ? { channel, user: me } : { channel } });
  input.value = '';
  notice(`channel #${channel} created: join it to follow it`, 'ok');
  await refresh();
});

form('publish-form', async () => {
  const user = needLogin();
  const channel = /** @type {HTMLSelectElement} */ ($('publish-channel')).value;
  if (!channel) throw new Error('join a channel first: the list on the left');
  const input = /** @type {HTMLInputElement} */ ($('message'));
  await request('/publish', { body: { user, channel, message: input.value } });
  input.value = '';
  notice(`published to #${channel}`, 'ok');
});

form('dm-form', async () => {
  const src = needLogin();
  const dst = /** @type {HTMLInputElement} */ ($('dst')).value;
  const input = /** @type {HTMLInputElement} */ ($('dm-message'));
  await request('/message', { body: { src, dst, message: input.value } });
  input.value = '';
  notice(`sent to ${dst}`, 'ok');
});

// ---- start: who was logged in here before a reload, and the tables every second

try {
  const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
  if (saved && typeof saved.me === 'string') {
    me = saved.me;
    joined = Array.isArray(saved.joined) ? saved.joined.filter((/** @type {unknown} */ c) => typeof c === 'string') : [];
    /** @type {HTMLInputElement} */ ($('user')).value = saved.me;
    showSession(saved.me);
    listen();
  }
} catch {
  // nothing saved, or not readable
}
poll(refresh, 1_000, serversUnknown);
