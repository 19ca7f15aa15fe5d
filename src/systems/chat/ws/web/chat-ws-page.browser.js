// The WebSocket chat page: pick a name (or paste a token), join rooms, see who is there and who is typing, send,
// edit your own messages, and send direct messages. On reconnect it subscribes again to each room with the id
// of the last message it has (`since`), so the server sends only what it missed.
import { $, base, connectionLost, el } from './page-client.browser.js';
import { ChatSocket } from './chat-ws-socket.browser.js';

/** @typedef {{ id: string, username: string }} ChatUser */
/** @typedef {{ messageId: string, payload: any, user: ChatUser, createdAt: string, edited: boolean, readers: Set<string> }} Message */
/**
 * @typedef {{ messages: Message[], byId: Map<string, Message>, last: string | null, unread: number, presence: ChatUser[],
 *   typing: Map<string, { user: ChatUser, until: number }> }} Room
 */

const KEPT_PER_ROOM = 300;
const TYPING_EVERY_MS = 3_000;
const TYPING_STOP_MS = 4_000;
const TYPING_SHOWN_MS = 6_000;
const SESSION_KEY = 'chat-ws';
const NAME_KEY = 'chat-ws-name';
const TOKEN_KEY = 'chat-ws-token';

const anonymous = $('chat').dataset.auth === 'anonymous';
/** @type {ChatUser | null} */
let me = null;
/** @type {string | null} */
let token = null;
/** @type {Map<string, Room>} */
const rooms = new Map();
/** @type {string | null} */
let current = null;
let instance = '';
let typingSentAt = 0;
/** @type {number | undefined} */
let typingStop;
/** @type {number | undefined} */
let receiptTimer;

const socket = new ChatSocket({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}/ws`,
  protocols: () => (token ? ['chat', `bearer.${token}`] : ['chat']),
  onOpen: () => {
    if (rooms.size === 0) rooms.set('general', newRoom());
    for (const room of rooms.keys()) subscribe(room);
    current ??= [...rooms.keys()][0] ?? null;
    renderAll();
  },
  onFrame: (frame) => handle(frame),
  onState: (state) => showState(state),
});

/** @returns {Room} */
function newRoom() {
  return { messages: [], byId: new Map(), last: null, unread: 0, presence: [], typing: new Map() };
}

/** @param {string} name */
function room(name) {
  let found = rooms.get(name);
  if (!found) rooms.set(name, (found = newRoom()));
  return found;
}

/** @param {object} frame */
function send(frame) {
  const sent = socket.send(anonymous && me ? { ...frame, user: me } : frame);
  if (!sent) notice('not connected: that was not sent; the page is reconnecting', 'error');
  return sent;
}

/** Joins, asking for what it missed since the last message it has, or for the recent history. @param {string} name */
function subscribe(name) {
  const last = room(name).last;
  send({ type: 'subscribe', room: name, options: last ? { since: last } : { history: true, limit: 50 } });
  send({ type: 'presence', room: name });
}

/** @param {any} f */
function handle(f) {
  switch (f.type) {
    case 'welcome':
      instance = f.instance;
      if (!anonymous) me = f.user;
      return renderWho();
    case 'message':
    case 'history':
      return received(f);
    case 'history_reset': {
      const r = room(f.room);
      r.messages = [];
      r.byId.clear();
      if (f.room === current) renderMessages();
      return;
    }
    case 'presence_list':
      room(f.room).presence = f.presenceList;
      return f.room === current && renderPresence();
    case 'user_joined': {
      const r = room(f.room);
      if (!r.presence.some((u) => u.id === f.user.id)) r.presence.push(f.user);
      return f.room === current && renderPresence();
    }
    case 'user_left':
      // The user may still be here through another instance: ask for the list again.
      return socket.send({ type: 'presence', room: f.room });
    case 'typing': {
      const r = room(f.room);
      if (f.isTyping) r.typing.set(f.user.id, { user: f.user, until: Date.now() + TYPING_SHOWN_MS });
      else r.typing.delete(f.user.id);
      return f.room === current && renderTyping();
    }
    case 'read_receipt': {
      const message = room(f.room).byId.get(f.messageId);
      if (!message || message.user.id !== me?.id || f.user.id === me?.id) return;
      message.readers.add(f.user.username);
      return f.room === current && renderMessage(message);
    }
    case 'message_edited': {
      const message = room(f.room).byId.get(f.messageId);
      if (!message) return;
      message.payload = f.payload;
      message.edited = true;
      return f.room === current && renderMessage(message);
    }
    case 'direct_message':
      return addDm(`${f.user.username} (${f.user.id})`, f.payload);
    case 'error':
      return notice(f.error, 'error');
  }
}

/** @param {any} f */
function received(f) {
  const r = room(f.room);
  r.last = f.messageId;
  if (r.byId.has(f.messageId)) return;
  /** @type {Message} */
  const message = { messageId: f.messageId, payload: f.payload, user: f.user, createdAt: f.metadata?.createdAt ?? '', edited: f.metadata?.isEdited === true, readers: new Set() };
  r.messages.push(message);
  r.byId.set(message.messageId, message);
  if (r.messages.length > KEPT_PER_ROOM) for (const old of r.messages.splice(0, r.messages.length - KEPT_PER_ROOM)) r.byId.delete(old.messageId);
  r.typing.delete(f.user.id);
  if (f.room !== current) {
    if (f.type === 'message') r.unread++;
    return renderRooms();
  }
  renderMessage(message);
  renderTyping();
  if (f.type === 'message' && f.user.id !== me?.id) acknowledge(f.room, f.messageId);
}

/** A read receipt for the newest message seen, at most once a second. @param {string} name @param {string} messageId */
function acknowledge(name, messageId) {
  clearTimeout(receiptTimer);
  receiptTimer = setTimeout(() => {
    if (document.visibilityState === 'visible') socket.send({ type: 'read_receipt', room: name, messageId });
  }, 1_000);
}

// ---- rendering

/** @param {any} payload */
function textOf(payload) {
  const message = payload && typeof payload === 'object' && 'message' in payload ? payload.message : payload;
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/** @param {string} iso */
function clock(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : at.toLocaleTimeString();
}

/** @param {Message} message */
function renderMessage(message) {
  const list = $('messages');
  let li = /** @type {HTMLElement | null} */ (list.querySelector(`li[data-id="${message.messageId}"]`));
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (!li) {
    li = el('li', { 'data-id': message.messageId });
    list.append(li);
  }
  const mine = message.user.id === me?.id;
  li.className = mine ? 'mine' : '';
  const note = el('span', { class: 'note' }, [message.edited ? 'edited' : '', message.readers.size ? `seen by ${[...message.readers].join(', ')}` : ''].filter(Boolean).join(' · '));
  if (mine) {
    const edit = el('button', { type: 'button', class: 'edit secondary' }, 'edit');
    edit.addEventListener('click', () => startEdit(/** @type {HTMLElement} */ (li), message));
    note.append(' ', edit);
  }
  li.replaceChildren(el('span', { class: 'author', title: message.user.id }, message.user.username), note, el('time', {}, clock(message.createdAt)), el('span', { class: 'text' }, textOf(message.payload)));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/** @param {HTMLElement} li @param {Message} message */
function startEdit(li, message) {
  const input = el('input', { value: textOf(message.payload), maxlength: '4000', 'aria-label': 'edited message' });
  const form = el('form', { class: 'edit-form' });
  form.append(input, el('button', {}, 'Save'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text && current) send({ type: 'edit_message', room: current, messageId: message.messageId, payload: { message: text, type: 'text' } });
    renderMessage(message);
  });
  input.addEventListener('keydown', (event) => event.key === 'Escape' && renderMessage(message));
  /** @type {HTMLElement} */ (li.querySelector('.text')).replaceWith(form);
  input.focus();
}

function renderMessages() {
  $('messages').replaceChildren();
  for (const message of current ? room(current).messages : []) renderMessage(message);
}

function renderRooms() {
  const items = [...rooms].map(([name, r]) => {
    const link = el('a', { href: '#', 'data-room': name }, `#${name}`);
    link.addEventListener('click', (event) => {
      event.preventDefault();
      current = name;
      r.unread = 0;
      renderAll();
    });
    const leave = el('button', { type: 'button', class: 'secondary', title: `leave #${name}` }, 'leave');
    leave.addEventListener('click', () => {
      socket.send({ type: 'unsubscribe', room: name });
      rooms.delete(name);
      if (current === name) current = [...rooms.keys()][0] ?? null;
      renderAll();
    });
    const li = el('li', { class: name === current ? 'current' : '' });
    li.append(link, ...(r.unread ? [el('span', { class: 'unread' }, String(r.unread))] : []), leave);
    return li;
  });
  $('rooms').replaceChildren(...items);
  save();
}

function renderPresence() {
  $('presence-room').textContent = current ? `#${current}` : 'the room';
  const users = current ? room(current).presence : [];
  $('presence').replaceChildren(
    ...users.map((user) => {
      const li = el('li', { class: user.id === me?.id ? 'me' : '', 'data-user': user.id });
      const dm = el('button', { type: 'button', class: 'secondary', title: `a direct message to ${user.username}` }, 'message');
      dm.addEventListener('click', () => {
        /** @type {HTMLInputElement} */ ($('dm-to')).value = user.id;
        $('dm-text').focus();
      });
      li.append(el('span', { title: user.id }, user.username), dm);
      return li;
    }),
  );
}

function renderTyping() {
  const now = Date.now();
  const names = current ? [...room(current).typing.values()].filter((t) => t.until > now && t.user.id !== me?.id).map((t) => t.user.username) : [];
  $('typing').textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}

function renderWho() {
  $('whoami').textContent = me ? `as ${me.username} (${me.id})${instance ? ` · instance ${instance}` : ''}` : '';
}

function renderAll() {
  $('room-title').textContent = current ? `#${current}` : 'no room yet';
  renderRooms();
  renderMessages();
  renderPresence();
  renderTyping();
  renderWho();
}

/** @param {string} who @param {any} payload */
function addDm(who, payload) {
  const li = el('li');
  li.append(el('span', { class: 'author' }, who), el('span', { class: 'note' }), el('time', {}, new Date().toLocaleTimeString()), el('span', { class: 'text' }, textOf(payload)));
  $('dms').prepend(li);
}

/** @param {string} text @param {'error' | ''} [kind] */
function notice(text, kind = '') {
  $('notice').textContent = text;
  $('notice').className = kind;
}

/** @param {import('./chat-ws-socket.browser.js').SocketState} s */
function showState(s) {
  const status = $('status');
  status.dataset.state = s.state;
  if (s.state === 'connecting') status.textContent = 'connecting…';
  if (s.state === 'live') status.textContent = 'connected';
  if (s.state === 'refused') status.textContent = `the server refused the token: ${s.reason}`;
  if (s.state === 'retrying') status.textContent = `reconnecting in ${(s.inMs / 1000).toFixed(1)} s (closed with ${s.code}${s.reason ? `: ${s.reason}` : ''})`;
  connectionLost(s.state === 'retrying' && s.failures >= 2);
  if (s.state === 'live') notice('');
}

// ---- what the person does

function save() {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ me: anonymous ? me : null, rooms: [...rooms.keys()], current }));
  } catch {
    // private mode: nothing is remembered across reloads
  }
}

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    if (saved?.me) me = saved.me;
    for (const name of saved?.rooms ?? []) rooms.set(name, newRoom());
    current = saved?.current ?? null;
    token = anonymous ? null : localStorage.getItem(TOKEN_KEY);
    const input = /** @type {HTMLInputElement} */ ($(anonymous ? 'name' : 'token'));
    input.value = anonymous ? (me?.username ?? localStorage.getItem(NAME_KEY) ?? '') : (token ?? '');
  } catch {
    // nothing saved, or storage refused
  }
}

$('identity-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = /** @type {HTMLInputElement} */ ($(anonymous ? 'name' : 'token')).value.trim();
  if (!value) return notice(anonymous ? 'type a name first' : 'paste a token first', 'error');
  if (anonymous) {
    me = { id: me?.id ?? `u-${crypto.randomUUID().slice(0, 8)}`, username: value };
    localStorage.setItem(NAME_KEY, value);
    save();
    renderWho();
    // A live connection takes the new name with the next frame: send one that changes nothing.
    if (socket.ws && current) return void send({ type: 'presence', room: current });
  } else {
    token = value;
    localStorage.setItem(TOKEN_KEY, value);
    socket.stop();
  }
  socket.connect();
});

$('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('new-room'));
  const name = input.value.trim();
  if (!name) return;
  input.value = '';
  current = name;
  if (!rooms.has(name)) {
    room(name);
    subscribe(name);
  }
  renderAll();
});

$('publish-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('message'));
  const text = input.value.trim();
  if (!text || !current) return;
  if (send({ type: 'publish', room: current, payload: { message: text, type: 'text' } })) input.value = '';
  stopTyping();
});

$('message').addEventListener('input', () => {
  if (!current) return;
  if (Date.now() - typingSentAt > TYPING_EVERY_MS) {
    typingSentAt = Date.now();
    socket.send({ type: 'typing', room: current, isTyping: true });
  }
  clearTimeout(typingStop);
  typingStop = setTimeout(stopTyping, TYPING_STOP_MS);
});

function stopTyping() {
  clearTimeout(typingStop);
  if (typingSentAt === 0 || !current) return;
  typingSentAt = 0;
  socket.send({ type: 'typing', room: current, isTyping: false });
}

$('dm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const to = /** @type {HTMLInputElement} */ ($('dm-to')).value.trim();
  const input = /** @type {HTMLInputElement} */ ($('dm-text'));
  const text = input.value.trim();
  if (!to || !text) return;
  if (send({ type: 'direct_msg', toUserId: to, payload: { message: text, type: 'text' } })) {
    addDm(`you → ${to}`, text);
    input.value = '';
  }
});

setInterval(renderTyping, 1_000);
restore();
renderAll();
if (anonymous ? me !== null : token !== null) socket.connect();
